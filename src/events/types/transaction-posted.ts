/** TransactionPosted: appended to every account a journal entry touches, carrying the whole entry. */
import { Amount, formatAmount, parseCurrency } from '../../domain/money.js';
import { array, fail, jsonObject, nullable, object, oneOf, string, type Check } from '../schema-check.js';
import { accountCode, currency, decimal, type EventVersion } from './shared.js';

/** A positive safe integer: v1 stored amounts as minor units, so 2^53 minor units was its ceiling. */
const minorUnits: Check = (value) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    fail('expected a positive safe integer of minor units');
};

function fromMinorUnits(amountMinor: number, currencyCode: string): string {
  const { scale } = parseCurrency(currencyCode);
  return formatAmount(new Amount(amountMinor).dividedBy(new Amount(10).pow(scale)), scale);
}

/** v3's fields, exactly (v4 adds to them; moved here unchanged when v4 came). */
const V3_FIELDS = {
  transactionId: string(),
  idempotencyKey: string(),
  legs: array(object({ account: accountCode, direction: oneOf('DEBIT', 'CREDIT'), amount: decimal, currency }), 2),
  description: nullable(string()),
  metadata: nullable(jsonObject),
  reverses: nullable(string()),
};

/** One side of an exchange: an exact amount and its currency. */
const money = object({ amount: decimal, currency });

export const TRANSACTION_POSTED: EventVersion[] = [
  {
    changes:
      'First shape: `entries` with a lower-case `side` and the amount as an integer of minor units (`amountMinor`), a `memo`; no idempotency key or metadata.',
    validate: object({
      transactionId: string(),
      memo: nullable(string()),
      entries: array(
        object({ account: accountCode, side: oneOf('debit', 'credit'), amountMinor: minorUnits, currency }),
        2,
      ),
    }),
    upcast: ({ transactionId, memo, entries }) => ({
      transactionId,
      // v1 had no keys: a stable, recognisable one derived from the transaction.
      idempotencyKey: `legacy:${transactionId}`,
      legs: entries.map((e: { account: string; side: string; amountMinor: number; currency: string }) => ({
        account: e.account,
        direction: e.side.toUpperCase(),
        amount: fromMinorUnits(e.amountMinor, e.currency),
        currency: e.currency,
      })),
      description: memo,
      metadata: null,
    }),
  },
  {
    changes:
      'Amounts as exact decimal strings at the currency scale (no ceiling), `entries` → `legs`, `side` → `direction` (DEBIT/CREDIT), `memo` → `description`; `idempotencyKey` (v1: "legacy:<transactionId>") and `metadata` (v1: null) added.',
    validate: object({
      transactionId: string(),
      idempotencyKey: string(),
      legs: array(object({ account: accountCode, direction: oneOf('DEBIT', 'CREDIT'), amount: decimal, currency }), 2),
      description: nullable(string()),
      metadata: nullable(jsonObject),
    }),
    upcast: (data) => ({ ...data, reverses: null }),
  },
  {
    changes: '`reverses` added: the id of the transaction a reversal reverses (v2 → null).',
    validate: object(V3_FIELDS),
    upcast: (data) => ({ ...data, exchanges: [] }),
  },
  {
    changes:
      '`exchanges` added: the conversions the transaction made, each `{ from, to }` of `{ amount, currency }` (v3 → []).',
    validate: object({ ...V3_FIELDS, exchanges: array(object({ from: money, to: money })) }),
  },
];
