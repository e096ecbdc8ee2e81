/** Balance monitors as pure rules: which figure of an account, compared how, against what. */
import { balanceOf, reservedAt, type OpenedAccount } from './account.js';
import { ValidationError } from './errors.js';
import { Amount, formatAmount, parseCurrency, parseSignedAmount } from './money.js';

export const METRICS = ['POSTED', 'AVAILABLE'] as const;
export const COMPARISONS = ['LT', 'LTE', 'GT', 'GTE'] as const;
export type Metric = (typeof METRICS)[number];
export type Comparison = (typeof COMPARISONS)[number];
export type MonitorStatus = 'ACTIVE' | 'PAUSED';

export interface MonitorCondition {
  metric: Metric;
  comparison: Comparison;
  /** At the account's currency scale (a negative bound is allowed: an overdraft). */
  threshold: string;
}

/** Checks a condition against the account's currency: an amount with more decimals than it allows is refused. */
export function checkCondition(
  condition: { metric: string; comparison: string; threshold: string },
  currency: string,
): MonitorCondition {
  if (!(METRICS as readonly string[]).includes(condition.metric))
    throw new ValidationError('metric', `one of ${METRICS.join(', ')}`);
  if (!(COMPARISONS as readonly string[]).includes(condition.comparison))
    throw new ValidationError('comparison', `one of ${COMPARISONS.join(', ')}`);
  const parsed = parseCurrency(currency);
  const threshold = parseSignedAmount(condition.threshold, parsed, 'amount');
  return {
    metric: condition.metric as Metric,
    comparison: condition.comparison as Comparison,
    threshold: formatAmount(threshold, parsed.scale),
  };
}

/** POSTED: the normal-side balance; AVAILABLE: that less what live holds reserve at `now`. */
export function figureOf(state: OpenedAccount, metric: Metric, now: string): Amount {
  const posted = balanceOf(state);
  return metric === 'POSTED' ? posted : posted.minus(reservedAt(state, now));
}

export function conditionHolds(condition: MonitorCondition, figure: Amount): boolean {
  const threshold = new Amount(condition.threshold);
  switch (condition.comparison) {
    case 'LT':
      return figure.lt(threshold);
    case 'LTE':
      return figure.lte(threshold);
    case 'GT':
      return figure.gt(threshold);
    case 'GTE':
      return figure.gte(threshold);
  }
}
