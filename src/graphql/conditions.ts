/** What a posting may ask besides its legs: balance conditions and expected stream versions. */
import { BALANCE_METRICS, type BalanceMetric } from '../domain/conditions.js';
import type { BalanceConditionView } from '../domain/errors.js';
import { builder } from './builder.js';

const METRIC_DESCRIPTIONS: Record<BalanceMetric, string> = {
  POSTED: 'The normal-side balance.',
  PENDING: 'What live holds reserve on the account (outflows on its normal side).',
  AVAILABLE: 'Posted less pending.',
};

export const BalanceMetricRef = builder.enumType('BalanceMetric', {
  description: 'A figure of an account a balance condition bounds.',
  values: Object.fromEntries(
    BALANCE_METRICS.map((metric) => [metric, { value: metric, description: METRIC_DESCRIPTIONS[metric] }]),
  ) as Record<BalanceMetric, { value: BalanceMetric; description: string }>,
});

export const BalanceConditionInputRef = builder.inputType('BalanceConditionInput', {
  description:
    'A bound on a figure of an account as the transaction would leave it (signed on the normal side, inclusive, at most the currency’s decimals); at least one of gte, lte and eq, all of them must hold.',
  fields: (t) => ({
    account: t.string({ required: true, description: 'The account code (it need not be a leg of the transaction).' }),
    metric: t.field({ type: BalanceMetricRef, required: true, description: 'POSTED, PENDING or AVAILABLE.' }),
    gte: t.field({ type: 'Decimal', description: 'At least this.' }),
    lte: t.field({ type: 'Decimal', description: 'At most this.' }),
    eq: t.field({ type: 'Decimal', description: 'Exactly this.' }),
  }),
});

export const ExpectedVersionInputRef = builder.inputType('ExpectedVersionInput', {
  description: 'An optimistic lock: the account’s stream must still be at this version (Account.version).',
  fields: (t) => ({
    account: t.string({ required: true, description: 'The account code (it need not be a leg of the transaction).' }),
    version: t.int({ required: true, description: 'The version read (Account.version, Balance.version).' }),
  }),
});

export const BalanceConditionRef = builder.objectRef<BalanceConditionView>('BalanceCondition').implement({
  description: 'A balance condition as the ledger read it, its bounds at the account’s scale.',
  fields: (t) => ({
    account: t.exposeString('account', { description: 'The account code.' }),
    metric: t.field({ type: BalanceMetricRef, description: 'The figure bounded.', resolve: (c) => c.metric }),
    gte: t.expose('gte', { type: 'Decimal', nullable: true, description: 'At least this, if given.' }),
    lte: t.expose('lte', { type: 'Decimal', nullable: true, description: 'At most this, if given.' }),
    eq: t.expose('eq', { type: 'Decimal', nullable: true, description: 'Exactly this, if given.' }),
  }),
});
