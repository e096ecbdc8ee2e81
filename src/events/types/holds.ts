/** Holds (two-phase transactions): placed, then committed (in full or in part) or voided. */
import { array, boolean, jsonObject, nullable, object, oneOf, string } from '../schema-check.js';
import { accountCode, currency, decimal, type EventVersion } from './shared.js';

const instant = string(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const legs = array(object({ account: accountCode, direction: oneOf('DEBIT', 'CREDIT'), amount: decimal, currency }), 2);
/** What a released hold's captures posted before ([] when none). */
const captured = array(
  object({ account: accountCode, direction: oneOf('DEBIT', 'CREDIT'), amount: decimal, currency }),
);

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

/** A capture of the hold: it posts `legs`; a final one releases the rest, another leaves it held. */
export const HOLD_COMMITTED: EventVersion[] = [
  {
    changes: 'First shape: the hold posts `legs` (its legs at the committed amounts); the rest is released.',
    validate: object({ transactionId: string(), legs }),
    // Before issue 20 every commit was the hold's one and final capture: what it posted is all it ever posted.
    upcast: (data: { transactionId: string; legs: unknown[] }) => ({ ...data, final: true, captured: data.legs }),
  },
  {
    changes:
      'Partial captures (issue 20): `final` (false: the rest stays held for further captures) and `captured`, what every capture of the hold has posted so far, this one included.',
    validate: object({ transactionId: string(), legs, final: boolean, captured: legs }),
  },
];

/** The hold now holds `legs` (every leg, in the order placed): raised or lowered (issue 20). */
export const HOLD_ADJUSTED: EventVersion[] = [
  {
    changes: 'First shape.',
    validate: object({ transactionId: string(), legs }),
  },
];

/**
 * The hold passed its `expiresAt` and the sweeper recorded it (issue 20): it reserves nothing
 * more and is settled. Effective at the hold's expiresAt, recorded at or after it.
 */
export const HOLD_EXPIRED: EventVersion[] = [
  {
    changes: 'First shape: `transactionId`, and `captured` as in HoldVoided v2.',
    validate: object({ transactionId: string(), captured }),
  },
];

/** The hold is released without posting more. */
export const HOLD_VOIDED: EventVersion[] = [
  {
    changes: 'First shape: `transactionId`.',
    validate: object({ transactionId: string() }),
    // Before issue 20 a hold was never captured in part: a void released all of it.
    upcast: (data: { transactionId: string }) => ({ ...data, captured: [] }),
  },
  {
    changes:
      'Partial captures (issue 20): `captured`, what the hold’s captures posted before the void ([] when none; otherwise the transaction settles as posted).',
    validate: object({ transactionId: string(), captured }),
  },
];
