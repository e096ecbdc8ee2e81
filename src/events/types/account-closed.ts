/** AccountClosed: the account takes no more postings. */
import { object } from '../schema-check.js';
import type { EventVersion } from './shared.js';

export const ACCOUNT_CLOSED: EventVersion[] = [{ changes: 'No payload.', validate: object({}) }];
