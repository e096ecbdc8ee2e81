/** The account lifecycle after opening: freeze and unfreeze, name and metadata, the balance bounds. */
import { jsonObject, nullable, object, string } from '../schema-check.js';
import { decimal, type EventVersion } from './shared.js';

/** The account takes no postings until it is unfrozen. */
export const ACCOUNT_FROZEN: EventVersion[] = [
  { changes: 'First shape: an optional reason.', validate: object({ reason: nullable(string()) }) },
];

/** The account takes postings again. */
export const ACCOUNT_UNFROZEN: EventVersion[] = [{ changes: 'No payload.', validate: object({}) }];

/** The display name and metadata from now on (both written in full). */
export const ACCOUNT_UPDATED: EventVersion[] = [
  {
    changes: 'First shape: the name and metadata after the change.',
    validate: object({ name: string(), metadata: nullable(jsonObject) }),
  },
];

/** The lower bound of the normal-side balance from now on (null: none). */
export const MINIMUM_BALANCE_CHANGED: EventVersion[] = [
  {
    changes: 'First shape: the new bound at the currency scale, or null.',
    validate: object({ minimumBalance: nullable(decimal) }),
  },
];

/** The upper bound of the normal-side balance from now on (null: none). */
export const MAXIMUM_BALANCE_CHANGED: EventVersion[] = [
  {
    changes: 'First shape: the new bound at the currency scale, or null.',
    validate: object({ maximumBalance: nullable(decimal) }),
  },
];
