/**
 * The journal as a pure decider over several accounts: one command in, the events of every
 * account it touches out. Each account still rules on its own legs (account.ts); what spans
 * accounts — the legs balance, every leg's account takes the posting, a hold moves on all of its
 * accounts at once — is decided here, once, with no I/O.
 */
import {
  decide,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type Leg,
  type TransactionMetadataUpdate,
} from './account.js';
import { AccountNotFound } from './errors.js';
import type { Amount } from './money.js';
import { buildTransaction, type PostingInput } from './transaction.js';

/** The events each account's stream gets; an account with none is left alone. */
export type Decisions = Map<string, AccountEvent[]>;

/** What the balance bound leaves aside: money each account receives later (ledger/queries.ts). */
export type NotYetAvailable = ReadonlyMap<string, Amount>;

export type JournalCommand =
  /** Opening, or a lifecycle change of one existing account. */
  | { type: 'OnAccount'; code: string; command: AccountCommand }
  /** A posting or, pending, a hold. */
  | {
      type: 'Post';
      posting: PostingInput;
      pending: boolean;
      expiresAt: string | null;
      effectiveAt: string;
      now: string;
      notYetAvailable: NotYetAvailable;
    }
  /** `legs`: every leg of the hold at the amount posted. */
  | {
      type: 'CommitHold';
      transactionId: string;
      legs: Leg[];
      effectiveAt: string;
      now: string;
      notYetAvailable: NotYetAvailable;
    }
  | { type: 'VoidHold'; transactionId: string; accounts: string[]; effectiveAt: string }
  /** `accounts`: every account the transaction touches; each stream records the change. */
  | { type: 'UpdateTransactionMetadata'; update: TransactionMetadataUpdate; accounts: string[]; effectiveAt: string };

/** `states` holds every account the command names (loaded, or the initial state of one never opened). */
export function decideJournal(command: JournalCommand, states: ReadonlyMap<string, AccountState>): Decisions {
  switch (command.type) {
    case 'OnAccount': {
      const state = states.get(command.code)!;
      if (!state.exists && command.command.type !== 'OpenAccount') throw new AccountNotFound(command.code);
      return new Map([[command.code, decide(command.command, state)]]);
    }
    case 'Post': {
      const transaction = buildTransaction(command.posting, states);
      const { effectiveAt, now, expiresAt } = command;
      return eachAccount(
        transaction.legs.map((leg) => leg.account),
        states,
        (code): AccountCommand => {
          const notYetAvailable = command.notYetAvailable.get(code);
          return command.pending
            ? { type: 'PlaceHold', transaction, expiresAt, effectiveAt, now, notYetAvailable }
            : { type: 'PostEntries', transaction, effectiveAt, now, notYetAvailable };
        },
      );
    }
    case 'CommitHold': {
      const { transactionId, legs, effectiveAt, now } = command;
      return eachAccount(
        legs.map((leg) => leg.account),
        states,
        (code) => ({
          type: 'CommitHold',
          transactionId,
          legs,
          effectiveAt,
          now,
          notYetAvailable: command.notYetAvailable.get(code),
        }),
      );
    }
    case 'VoidHold': {
      const { transactionId, effectiveAt } = command;
      return eachAccount(command.accounts, states, () => ({ type: 'VoidHold', transactionId, effectiveAt }));
    }
    case 'UpdateTransactionMetadata': {
      const { update, effectiveAt } = command;
      return eachAccount(command.accounts, states, () => ({ type: 'UpdateTransactionMetadata', update, effectiveAt }));
    }
  }
}

/** Each distinct account, in the order first named, decides its own part. */
function eachAccount(
  codes: readonly string[],
  states: ReadonlyMap<string, AccountState>,
  commandFor: (code: string) => AccountCommand,
): Decisions {
  const decisions: Decisions = new Map();
  for (const code of new Set(codes)) decisions.set(code, decide(commandFor(code), states.get(code)!));
  return decisions;
}
