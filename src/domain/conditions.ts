/**
 * What a posting may ask of the accounts besides its legs, decided under the write lock against
 * the states it is decided on (so a group commit answers exactly as one by one): the stream
 * versions the client read (an optimistic lock), and bounds on the balances it would leave.
 * Pure: the command's builder checks the shape (step 1), the journal decides (step 6).
 */
import { balanceOf, evolve, reservedAt, type AccountEvent, type AccountState, type OpenedAccount } from './account.js';
import { AccountNotFound, BalanceConditionFailed, ValidationError, VersionMismatch } from './errors.js';
import { MAX_CONDITIONS, checkCode } from './limits.js';
import { type Amount, formatAmount, parseSignedAmount } from './money.js';

export const BALANCE_METRICS = ['POSTED', 'PENDING', 'AVAILABLE'] as const;
export type BalanceMetric = (typeof BALANCE_METRICS)[number];

export interface BalanceCondition {
  account: string;
  metric: BalanceMetric;
  gte?: string | null;
  lte?: string | null;
  eq?: string | null;
}

export interface ExpectedVersion {
  account: string;
  version: number;
}

/** Step 1: codes, metrics, at least one bound each, versions ≥ 0; amounts wait for the account's scale. */
export function checkPreconditions(
  conditions: readonly BalanceCondition[] | null | undefined,
  expectedVersions: readonly ExpectedVersion[] | null | undefined,
): void {
  for (const [field, list] of [
    ['conditions', conditions],
    ['expectedVersions', expectedVersions],
  ] as const)
    if (list && list.length > MAX_CONDITIONS)
      throw new ValidationError(field, `at most ${MAX_CONDITIONS} per transaction, not ${list.length}`);
  for (const [i, c] of (conditions ?? []).entries()) {
    checkCode(c.account, `conditions[${i}].account`);
    if (!BALANCE_METRICS.includes(c.metric))
      throw new ValidationError(`conditions[${i}].metric`, `one of ${BALANCE_METRICS.join(', ')}`);
    if (c.gte == null && c.lte == null && c.eq == null)
      throw new ValidationError(`conditions[${i}]`, 'a condition needs at least one of gte, lte and eq');
  }
  for (const [i, e] of (expectedVersions ?? []).entries()) {
    checkCode(e.account, `expectedVersions[${i}].account`);
    if (!Number.isSafeInteger(e.version) || e.version < 0)
      throw new ValidationError(`expectedVersions[${i}].version`, 'a stream version: a whole number ≥ 0');
  }
}

/** The accounts the preconditions name (loaded with the legs' accounts; they need not be among them). */
export function preconditionAccounts(
  conditions: readonly BalanceCondition[] | null | undefined,
  expectedVersions: readonly ExpectedVersion[] | null | undefined,
): string[] {
  return [...(expectedVersions ?? []), ...(conditions ?? [])].map((p) => p.account);
}

/** Before anything else is decided: every stream is at the version the client read. */
export function checkExpectedVersions(
  expected: readonly ExpectedVersion[] | null | undefined,
  states: ReadonlyMap<string, AccountState>,
): void {
  for (const { account, version } of expected ?? []) {
    const state = states.get(account);
    if (!state?.exists) throw new AccountNotFound(account);
    if (state.version !== version) throw new VersionMismatch(account, version, state.version);
  }
}

/** A figure of an account: its normal-side balance, what live holds reserve at `now`, or the difference. */
export function figureOf(state: OpenedAccount, metric: BalanceMetric, now: string): Amount {
  if (metric === 'POSTED') return balanceOf(state);
  const pending = reservedAt(state, now);
  return metric === 'PENDING' ? pending : balanceOf(state).minus(pending);
}

/**
 * After the posting is decided: each condition, in the order given, on the state its events
 * leave (an account it does not touch: as it stands). The first that fails refuses the posting.
 */
export function checkConditions(
  conditions: readonly BalanceCondition[] | null | undefined,
  states: ReadonlyMap<string, AccountState>,
  decisions: ReadonlyMap<string, readonly AccountEvent[]>,
  now: string,
): void {
  // Every bound at its account's scale first: a malformed one is refused whichever condition fails.
  const checked = (conditions ?? []).map((condition, i) => {
    const before = states.get(condition.account);
    if (!before?.exists) throw new AccountNotFound(condition.account);
    const bound = (key: 'gte' | 'lte' | 'eq') => {
      const text = condition[key];
      return text == null ? null : parseSignedAmount(text, before.currency, `conditions[${i}].${key}`);
    };
    return { condition, before, gte: bound('gte'), lte: bound('lte'), eq: bound('eq') };
  });
  for (const { condition, before, gte, lte, eq } of checked) {
    const after = (decisions.get(condition.account) ?? []).reduce(evolve, before) as OpenedAccount;
    const actual = figureOf(after, condition.metric, now);
    if ((gte === null || actual.gte(gte)) && (lte === null || actual.lte(lte)) && (eq === null || actual.eq(eq)))
      continue;
    const scale = after.currency.scale;
    const shown = (value: Amount | null) => (value === null ? null : formatAmount(value, scale));
    throw new BalanceConditionFailed(condition.account, condition.metric, formatAmount(actual, scale), {
      account: condition.account,
      metric: condition.metric,
      gte: shown(gte),
      lte: shown(lte),
      eq: shown(eq),
    });
  }
}
