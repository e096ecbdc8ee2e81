/** A transaction's metadata changed after it was posted (issue 19, point 3). */
import { array, jsonObject, nullable, object, string } from '../schema-check.js';
import type { EventVersion } from './shared.js';

/**
 * Appended to every account the transaction touches, like a hold's commit. `set` and `unset` are
 * what was asked; `metadata` the whole metadata after it, so a reader folds nothing.
 */
export const TRANSACTION_METADATA_UPDATED: EventVersion[] = [
  {
    changes: 'First shape: the paths set and unset, and the metadata after the change.',
    validate: object({
      transactionId: string(),
      set: jsonObject,
      unset: array(string()),
      metadata: nullable(jsonObject),
    }),
  },
];
