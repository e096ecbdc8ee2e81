/**
 * What an account's holds and balance bounds allow: what it can give before its minimum, take
 * before its maximum, and the check a posting, a hold or a capture passes (account-decide.ts).
 */
import { BalanceLimitExceeded, InsufficientFunds } from './errors.js';
import { Amount, ZERO, formatAmount } from './money.js';
import { type Leg, type OpenedAccount, type OpenHold, balanceOf, signedOnNormalSide } from './account-model.js';

/** A hold reserves until it expires (decided against the command's time, never by a timer). */
export function holdIsLive(hold: OpenHold, now: string): boolean {
  return hold.expiresAt === null || hold.expiresAt > now;
}

/** What live holds reserve on the account at `now` (without a `now`: what every hold reserves), but `except`. */
export function reservedAt(state: OpenedAccount, now: string | undefined, except?: string): Amount {
  let total = ZERO;
  for (const [id, hold] of Object.entries(state.holds))
    if (id !== except && (now === undefined || holdIsLive(hold, now))) total = total.plus(hold.reserved);
  return total;
}

/** What live holds bring onto the account at `now` (every hold without a `now`), but `except`. */
export function incomingAt(state: OpenedAccount, now: string | undefined, except?: string): Amount {
  let total = ZERO;
  for (const [id, hold] of Object.entries(state.holds))
    if (id !== except && (now === undefined || holdIsLive(hold, now))) total = total.plus(hold.incoming);
  return total;
}

/**
 * What the balance bounds leave aside, read from postings dated later than now (ledger/queries.ts):
 * `notYetAvailable`, what the balance includes that arrives later (the minimum ignores it);
 * `notYetGone`, how far the balance stands above its final figure until later outflows leave
 * (the maximum counts it).
 */
export interface Later {
  notYetAvailable?: Amount;
  notYetGone?: Amount;
}

/**
 * What a hold holding these legs reserves (takes off the account's normal side) and brings in
 * (onto it): one of them is zero. Derived from the legs still held, so that adjustments and
 * captures in part move both with the legs.
 */
export function heldBy(
  account: Pick<OpenedAccount, 'code' | 'type'>,
  legs: readonly Leg[],
): Pick<OpenHold, 'reserved' | 'incoming'> {
  const change = changeOf(account, legs);
  return change.isNegative() ? { reserved: change.negated(), incoming: ZERO } : { reserved: ZERO, incoming: change };
}

/** The change the legs naming this account make to its normal-side balance. */
export function changeOf(state: Pick<OpenedAccount, 'code' | 'type'>, legs: readonly Leg[]): Amount {
  return legs
    .filter((leg) => leg.account === state.code)
    .reduce((sum, leg) => sum.plus(signedOnNormalSide(state.type, leg)), ZERO);
}

/**
 * What the account can still give before its minimum, now: its balance, less inflows it records
 * for later, less what live holds reserve (but `spending`, the hold being committed). Null: no
 * minimum. Without a `now`, every hold reserves.
 */
export function canGive(state: OpenedAccount, now: string | undefined, later: Later, spending?: string): Amount | null {
  if (state.minimumBalance === null) return null;
  return balanceOf(state)
    .minus(later.notYetAvailable ?? ZERO)
    .minus(reservedAt(state, now, spending))
    .minus(state.minimumBalance);
}

/**
 * The highest the balance will stand, holds counted: its balance, plus what it holds above that
 * until outflows dated later leave, plus what live holds bring in (but `spending`'s).
 */
export function highestBalance(state: OpenedAccount, now: string | undefined, later: Later, spending?: string): Amount {
  return balanceOf(state)
    .plus(later.notYetGone ?? ZERO)
    .plus(incomingAt(state, now, spending));
}

/** What the account can still take before its maximum, now; null: no maximum. */
export function canTake(state: OpenedAccount, now: string | undefined, later: Later, spending?: string): Amount | null {
  if (state.maximumBalance === null) return null;
  return state.maximumBalance.minus(highestBalance(state, now, later, spending));
}

/**
 * The balance bounds: an outflow against the minimum (what the account can give now), an inflow
 * against the maximum (what the balance will be, holds counted). A change the other way is never
 * refused, even on an account already past a bound set later.
 */
export function checkBound(
  state: OpenedAccount,
  change: Amount,
  now: string | undefined,
  later: Later,
  spending?: string,
): void {
  if (change.isNegative()) {
    const available = canGive(state, now, later, spending);
    if (available === null || !available.plus(change).isNegative()) return;
    throw new InsufficientFunds(
      state.code,
      formatAmount(Amount.max(available, 0), state.currency.scale),
      formatAmount(change.negated(), state.currency.scale),
    );
  }
  if (state.maximumBalance === null || change.isZero()) return;
  const resulting = highestBalance(state, now, later, spending).plus(change);
  if (resulting.gt(state.maximumBalance))
    throw new BalanceLimitExceeded(
      state.code,
      formatAmount(state.maximumBalance, state.currency.scale),
      formatAmount(resulting, state.currency.scale),
    );
}
