/**
 * What postTransaction and transfer answer with `dryRun: true` (ledger/dry-run.ts): the
 * transaction as it would be posted and the accounts as they would stand, nothing written.
 */
import { balanceOf, reservedAt, type AccountState } from '../domain/account.js';
import { formatAmount } from '../domain/money.js';
import type { Rehearsal } from '../ledger/dry-run.js';
import type { TransactionView } from '../ledger/queries.js';
import { builder, type GraphQLContext } from './builder.js';
import { rehearsedTransactions, TransactionRef } from './types/entry.js';
import { MoneyRef } from './types/money.js';

interface DryRunBalanceValue {
  account: string;
  currency: string;
  posted: string;
  pending: string;
  available: string;
  debits: string;
  credits: string;
  version: number;
}

export interface DryRunValue {
  __typename: 'DryRun';
  transaction: TransactionView;
  replayed: boolean;
  balances: DryRunBalanceValue[];
}

export const DryRunBalanceRef = builder.objectRef<DryRunBalanceValue>('DryRunBalance').implement({
  description:
    'An account as a dry run would leave it: every posting it would have recorded (whatever its effective time), signed on its normal side.',
  fields: (t) => ({
    account: t.exposeString('account', { description: 'The account’s code.' }),
    posted: t.field({ type: MoneyRef, description: 'The posted balance.', resolve: (b) => money(b, b.posted) }),
    pending: t.field({
      type: MoneyRef,
      description: 'What live holds would reserve (outflows on the normal side).',
      resolve: (b) => money(b, b.pending),
    }),
    available: t.field({
      type: MoneyRef,
      description: 'Posted less pending (its balance bound aside).',
      resolve: (b) => money(b, b.available),
    }),
    debits: t.field({ type: MoneyRef, description: 'Every debit, summed.', resolve: (b) => money(b, b.debits) }),
    credits: t.field({ type: MoneyRef, description: 'Every credit, summed.', resolve: (b) => money(b, b.credits) }),
    version: t.exposeInt('version', { description: 'The account’s stream version afterwards.' }),
  }),
});

export const DryRunRef = builder.objectRef<DryRunValue>('DryRun').implement({
  description:
    'What the command would do (dryRun: true): decided exactly as a real call would be — under the write lock, against the ledger as it stands — then rolled back. Nothing is written: no event, no idempotency record.',
  fields: (t) => ({
    transaction: t.field({
      type: TransactionRef,
      description:
        'The transaction it would post (its id is not kept: a real call gets a new one); when replayed, the one the key posted.',
      resolve: (d) => d.transaction,
    }),
    replayed: t.exposeBoolean('replayed', {
      description: 'The idempotency key was used before: a real call would answer that first result and write nothing.',
    }),
    balances: t.field({
      type: [DryRunBalanceRef],
      description: 'Each account the command names, as it would stand afterwards (in the order it names them).',
      resolve: (d) => d.balances,
    }),
  }),
});

function money(b: DryRunBalanceValue, amount: string) {
  return { amount, currency: b.currency };
}

/** The answer of a dry run, its transaction primed for the entries that name it. */
export function dryRunAnswer(ctx: GraphQLContext, rehearsal: Rehearsal): DryRunValue {
  const transaction = rehearsal.transaction!;
  if (!rehearsal.replayed) rehearsedTransactions.add(transaction);
  ctx.transactions.prime(transaction.id, transaction);
  const balances = [...rehearsal.accounts.values()].flatMap((state) => balanceOfState(state, ctx.now));
  return { __typename: 'DryRun', transaction, replayed: rehearsal.replayed, balances };
}

/** An account's state as a DryRunBalance (none for an account that does not exist). */
export function balanceOfState(state: AccountState, now: string): DryRunBalanceValue[] {
  if (!state.exists) return [];
  const scale = state.currency.scale;
  const posted = balanceOf(state);
  const pending = reservedAt(state, now);
  return [
    {
      account: state.code,
      currency: state.currency.code,
      posted: formatAmount(posted, scale),
      pending: formatAmount(pending, scale),
      available: formatAmount(posted.minus(pending), scale),
      debits: formatAmount(state.debits, scale),
      credits: formatAmount(state.credits, scale),
      version: state.version,
    },
  ];
}
