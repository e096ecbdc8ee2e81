/**
 * Given/when/then specs for the pure deciders (src/domain/account.ts, src/domain/books.ts):
 *
 *   given(opened()).when(command).thenExpect([event])       // decides exactly these events
 *   given(opened()).when(command).thenExpect([])            // decides nothing (a no-op)
 *   given(opened()).when(command).thenExpect(AccountClosed) // refuses: anything toThrow takes
 *
 * (`thenExpect`, not `then`: an object with a `then` method is a thenable, which `await` would call.)
 * `given(...)` folds the events with the decider's own evolve; `.state` is the result, and
 * `.when(command).events()` the decided events, for assertions beyond equality.
 */
import { expect } from 'vitest';
import { decide, evolve, initialState, type AccountCommand, type AccountEvent } from '../../src/domain/account.js';
import { decideBooks, evolveBooks, initialBooks, type BooksCommand, type BooksEvent } from '../../src/domain/books.js';

export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export interface When<Event> {
  /** The events decided (throws what the decider throws). */
  events(): Event[];
  /** Asserts the decided events (an array), or the refusal: an error class, a message pattern or a matcher. */
  thenExpect(expected: Event[] | (new (...args: never[]) => Error) | RegExp | string | object): void;
}

export interface Given<Command, Event, State> {
  /** The state the given events fold to. */
  state: State;
  when(command: Command): When<Event>;
}

/** A `given` for one decider. */
export function specs<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return (...events: Event[]): Given<Command, Event, State> => {
    const state = events.reduce(decider.evolve, decider.initialState());
    return {
      state,
      when(command) {
        const events = () => decider.decide(command, state);
        return {
          events,
          thenExpect(expected) {
            if (Array.isArray(expected)) expect(events()).toEqual(expected);
            else expect(events).toThrow(expected as never);
          },
        };
      },
    };
  };
}

/** The account decider: given account events, when an account command. */
export const given = specs<AccountCommand, AccountEvent, ReturnType<typeof initialState>>({
  decide,
  evolve,
  initialState,
});

/** The books decider (the period lock): given books events, when a books command. */
export const givenBooks = specs<BooksCommand, BooksEvent, ReturnType<typeof initialBooks>>({
  decide: decideBooks,
  evolve: evolveBooks,
  initialState: initialBooks,
});
