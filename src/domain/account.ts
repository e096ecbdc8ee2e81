/**
 * The Account aggregate as a pure decider: initialState, decide, evolve.
 * No I/O; the same evolve serves command handling, replay, rebuild and as-of queries.
 * Its parts: account-model.ts (types, events, state), account-bounds.ts (holds and balance
 * bounds), account-decide.ts and account-evolve.ts. Import the aggregate from here.
 */
export * from './account-model.js';
export {
  canGive,
  canTake,
  heldBy,
  highestBalance,
  holdIsLive,
  incomingAt,
  reservedAt,
  type Later,
} from './account-bounds.js';
export { decide, requirePostable } from './account-decide.js';
export * from './account-evolve.js';
