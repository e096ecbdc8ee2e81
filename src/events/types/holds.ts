/** Holds (two-phase transactions): placed, then committed (in full or in part) or voided. */
import { array, jsonObject, nullable, object, oneOf, string } from '../schema-check.js';
import { accountCode, currency, decimal, type EventVersion } from './shared.js';

const instant = string(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const legs = array(object({ account: accountCode, direction: oneOf('DEBIT', 'CREDIT'), amount: decimal, currency }), 2);

/** A balanced entry that reserves funds without moving a posted balance, until committed, voided or expired. */
export const HOLD_PLACED: EventVersion[] = [
  {
    changes: 'First shape: a TransactionPosted v3 payload and `expiresAt`.',
    validate: object({
      transactionId: string(),
      idempotencyKey: string(),
      legs,
      description: nullable(string()),
      metadata: nullable(jsonObject),
      reverses: nullable(string()),
      expiresAt: nullable(instant),
    }),
  },
];

/** The hold posts `legs` (its legs at the committed amounts); the rest is released. */
export const HOLD_COMMITTED: EventVersion[] = [
  { changes: 'First shape.', validate: object({ transactionId: string(), legs }) },
];

/** The hold is released without posting. */
export const HOLD_VOIDED: EventVersion[] = [{ changes: 'First shape.', validate: object({ transactionId: string() }) }];
