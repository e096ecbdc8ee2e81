/** Entries (the legs as each account sees them) and transactions. */
import { RATE_DIGITS, rateOf, type Exchange } from '../../domain/exchanges.js';
import type { Leg } from '../../domain/account.js';
import { nonZero } from '../../domain/hold-legs.js';
import { reversalOf, type TransactionView } from '../../ledger/queries.js';
import { breathe } from '../../slices.js';
import { builder } from '../builder.js';
import { DirectionRef, MoneyRef } from './money.js';
import { NodeRef } from './node.js';
import { AccountRef } from './account-ref.js';
import { SAY } from '../limit-text.js';
import { metadataAsKnown } from '../metadata-as-known.js';

export interface EntryValue {
  accountCode: string;
  direction: 'DEBIT' | 'CREDIT';
  amount: string;
  currency: string;
  transactionId: string;
  effectiveAt: string;
  recordedAt: string;
}

export const EntryRef = builder.objectRef<EntryValue>('Entry');
export const TransactionRef = builder.objectRef<TransactionView>('Transaction');

/** Transactions a dry run answers with as they would be: never committed, so at no log position. */
export const rehearsedTransactions = new WeakSet<TransactionView>();

EntryRef.implement({
  description: 'One leg of a transaction: an amount debited or credited to one account.',
  fields: (t) => ({
    account: t.field({
      type: AccountRef,
      description: 'The account the leg posts to.',
      resolve: async (entry, _args, ctx) => {
        const account = (await ctx.accounts.load(entry.accountCode))!;
        await breathe();
        return account;
      },
    }),
    direction: t.field({ type: DirectionRef, description: 'DEBIT or CREDIT.', resolve: (e) => e.direction }),
    amount: t.field({
      type: MoneyRef,
      description: 'The amount, > 0.',
      resolve: (e) => ({ amount: e.amount, currency: e.currency }),
    }),
    transaction: t.field({
      type: TransactionRef,
      description: 'The transaction this leg belongs to.',
      resolve: async (entry, _args, ctx) => {
        const transaction = (await ctx.transactions.load(entry.transactionId))!;
        await breathe();
        return transaction;
      },
    }),
    effectiveAt: t.expose('effectiveAt', { type: 'DateTime', description: 'When it counts for the business.' }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime', description: 'When the ledger recorded it.' }),
  }),
});

export const TransactionStatusRef = builder.enumType('TransactionStatus', {
  description: 'Where a transaction stands.',
  values: {
    POSTED: { description: 'Posted: it moves the balances of its accounts.' },
    PENDING: {
      description: 'A hold: it reserves funds without moving posted balances, until committed, voided or expired.',
    },
    EXPIRED: { description: 'A hold past its expiresAt: it reserves nothing and can no longer be committed.' },
    VOIDED: { description: 'A hold released without posting.' },
  },
});

const ExchangeRef = builder.objectRef<Exchange>('Exchange').implement({
  description:
    'A conversion inside a transaction: `from` became `to`. Both amounts are exact and stored; the rate is derived.',
  fields: (t) => ({
    from: t.field({ type: MoneyRef, description: 'What was converted.', resolve: (e) => e.from }),
    to: t.field({ type: MoneyRef, description: 'What it became.', resolve: (e) => e.to }),
    rate: t.field({
      type: 'Decimal',
      description: `to / from, rounded half-even to ${RATE_DIGITS} significant digits, without trailing zeros (derived: the amounts are the record).`,
      resolve: (e) => rateOf(e),
    }),
  }),
});

TransactionRef.implement({
  description: 'A balanced journal entry. Never edited once posted.',
  interfaces: [NodeRef],
  authScopes: { read: true },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'legs' in value,
  fields: (t) => ({
    status: t.field({
      type: TransactionStatusRef,
      description: 'Its status (a pending hold past its expiry is EXPIRED).',
      resolve: (tx, _args, ctx) =>
        tx.status === 'PENDING' && tx.expiresAt !== null && tx.expiresAt <= ctx.now ? 'EXPIRED' : tx.status,
    }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'A hold’s expiry: from then on it reserves nothing and can no longer be committed.',
    }),
    effectiveAt: t.expose('effectiveAt', {
      type: 'DateTime',
      description: 'When it counts for the business (value time).',
    }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime', description: 'When the ledger recorded it.' }),
    description: t.exposeString('description', {
      nullable: true,
      description: `Free text, up to ${SAY.description}.`,
    }),
    metadata: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'Its JSON object as the ledger knew it at `knownAt` (default: now, or the position a search read): given at posting, changed by updateTransactionMetadata.',
      args: { knownAt: t.arg({ type: 'DateTime', description: 'Recorded time; default now.' }) },
      resolve: (tx, args, ctx) => metadataAsKnown(ctx, { transaction: tx.id }, args.knownAt, tx.metadata),
    }),
    idempotencyKey: t.exposeString('idempotencyKey', { description: 'The key it was posted with.' }),
    ledgerPosition: t.field({
      type: 'Int',
      nullable: true,
      description:
        'The log position it was posted at (a hold’s: its last commit, void or expiry): a read sent with the header x-inkwell-min-position set to at least this sees it, on a read replica too. Null in a dry run’s answer, which nothing committed.',
      resolve: (tx) => (rehearsedTransactions.has(tx) ? null : tx.position),
    }),
    entries: t.field({
      type: [EntryRef],
      description:
        'Its legs, in the order they were given (a pending hold: what each still holds; a leg it no longer holds anything on is left out).',
      resolve: (tx) => nonZero(tx.legs).map((leg: Leg) => legToEntry(leg, tx)),
    }),
    exchanges: t.field({
      type: [ExchangeRef],
      description: 'The conversions it made, in the order given ([]: none); their legs are among its entries.',
      resolve: (tx) => tx.exchanges,
    }),
    reverses: t.field({
      type: TransactionRef,
      nullable: true,
      description: 'The transaction this one reverses, if it is a reversal.',
      resolve: (tx, _args, ctx) => (tx.reverses ? ctx.transactions.load(tx.reverses) : null),
    }),
    reversedBy: t.field({
      type: TransactionRef,
      nullable: true,
      description: 'The reversal of this transaction, if it was reversed.',
      resolve: async (tx, _args, ctx) => {
        const id = await reversalOf(ctx.ledger.database.db, tx.id);
        return id ? ctx.transactions.load(id) : null;
      },
    }),
  }),
});

function legToEntry(leg: Leg, tx: TransactionView): EntryValue {
  return {
    accountCode: leg.account,
    direction: leg.direction,
    amount: leg.amount,
    currency: leg.currency,
    transactionId: tx.id,
    effectiveAt: tx.effectiveAt,
    recordedAt: tx.recordedAt,
  };
}
