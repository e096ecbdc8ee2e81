/**
 * The Account aggregate's evolve: the state after an event. The same fold serves command
 * handling, replay, rebuild and as-of queries.
 */
import { alignToHold, legsMinus, legsPlus } from './hold-legs.js';
import { Amount, ZERO, parseCurrency } from './money.js';
import {
  type AccountState,
  type AccountEvent,
  type Leg,
  type OpenedAccount,
  type OpenHold,
  initialState,
} from './account-model.js';
import { heldBy } from './account-bounds.js';

export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountOpened': {
      const currency = parseCurrency(event.data.currency);
      return {
        exists: true,
        code: event.data.code,
        name: event.data.name,
        type: event.data.type,
        currency,
        status: 'OPEN',
        minimumBalance: event.data.minimumBalance === null ? null : new Amount(event.data.minimumBalance),
        maximumBalance: event.data.maximumBalance === undefined ? null : new Amount(event.data.maximumBalance),
        metadata: event.data.metadata,
        openedAt: event.effectiveAt,
        debits: ZERO,
        credits: ZERO,
        version: state.version + 1,
        holds: {},
      };
    }
    case 'TransactionPosted':
      return { ...posting(mustExist(state, event.type), event.data.legs), version: state.version + 1 };
    case 'HoldPlaced': {
      const opened = mustExist(state, event.type);
      const { legs } = event.data;
      const hold: OpenHold = {
        ...heldBy(opened, legs),
        expiresAt: event.data.expiresAt,
        legs,
        captured: legsMinus(legs, legs),
      };
      return { ...opened, holds: { ...opened.holds, [event.data.transactionId]: hold }, version: state.version + 1 };
    }
    case 'HoldAdjusted': {
      const opened = mustExist(state, event.type);
      const hold = opened.holds[event.data.transactionId]!;
      const adjusted = { ...hold, legs: event.data.legs, ...heldBy(opened, event.data.legs) };
      return withHold(opened, event.data.transactionId, adjusted, state.version + 1);
    }
    case 'HoldCommitted': {
      const opened = posting(mustExist(state, event.type), event.data.legs);
      const { transactionId, legs, final } = event.data;
      if (final) return withHold(opened, transactionId, null, state.version + 1);
      const hold = opened.holds[transactionId]!;
      const aligned = alignToHold(hold.legs, legs);
      const left = legsMinus(hold.legs, aligned);
      const next = {
        ...hold,
        legs: left,
        captured: legsPlus(hold.captured, aligned),
        ...heldBy(opened, left),
      };
      return withHold(opened, transactionId, next, state.version + 1);
    }
    case 'HoldExpired':
      return withHold(mustExist(state, event.type), event.data.transactionId, null, state.version + 1);
    case 'HoldVoided': {
      const { [event.data.transactionId]: _voided, ...holds } = mustExist(state, event.type).holds;
      return { ...mustExist(state, event.type), holds, version: state.version + 1 };
    }
    case 'TransactionMetadataUpdated':
      return { ...mustExist(state, event.type), version: state.version + 1 };
    case 'AccountClosed':
      return { ...mustExist(state, event.type), status: 'CLOSED', version: state.version + 1 };
    case 'AccountFrozen':
      return { ...mustExist(state, event.type), status: 'FROZEN', version: state.version + 1 };
    case 'AccountUnfrozen':
      return { ...mustExist(state, event.type), status: 'OPEN', version: state.version + 1 };
    case 'AccountUpdated':
      return {
        ...mustExist(state, event.type),
        name: event.data.name,
        metadata: event.data.metadata,
        version: state.version + 1,
      };
    case 'MinimumBalanceChanged': {
      const minimumBalance = event.data.minimumBalance === null ? null : new Amount(event.data.minimumBalance);
      return { ...mustExist(state, event.type), minimumBalance, version: state.version + 1 };
    }
    case 'MaximumBalanceChanged': {
      const maximumBalance = event.data.maximumBalance === null ? null : new Amount(event.data.maximumBalance);
      return { ...mustExist(state, event.type), maximumBalance, version: state.version + 1 };
    }
  }
}

/** The account with this hold replaced (null: removed, as a settled hold is), at `version`. */
function withHold(opened: OpenedAccount, id: string, hold: OpenHold | null, version: number): OpenedAccount {
  const { [id]: _old, ...holds } = opened.holds;
  return { ...opened, holds: hold === null ? holds : { ...holds, [id]: hold }, version };
}

/** The account's debits and credits once the legs naming it are posted. */
function posting(opened: OpenedAccount, legs: readonly Leg[]): OpenedAccount {
  let { debits, credits } = opened;
  for (const leg of legs) {
    if (leg.account !== opened.code) continue;
    if (leg.direction === 'DEBIT') debits = debits.plus(leg.amount);
    else credits = credits.plus(leg.amount);
  }
  return { ...opened, debits, credits };
}

/** The legs a posting event moves (TransactionPosted, HoldCommitted); null for every other event. */
export function postedLegs(event: AccountEvent): Leg[] | null {
  return event.type === 'TransactionPosted' || event.type === 'HoldCommitted' ? event.data.legs : null;
}

function mustExist(state: AccountState, type: string): OpenedAccount {
  if (!state.exists) throw new Error(`invariant: ${type} on an account that was never opened`);
  return state;
}

export function fold(events: Iterable<AccountEvent>, state: AccountState = initialState()): AccountState {
  let current = state;
  for (const event of events) current = evolve(current, event);
  return current;
}
