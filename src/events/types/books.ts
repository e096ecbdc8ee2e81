/** The books stream: the period lock. */
import { nullable, object, string } from '../schema-check.js';
import type { EventVersion } from './shared.js';

const instant = string(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

/** Postings effective at or before `through` are refused from now on. */
export const PERIOD_CLOSED: EventVersion[] = [
  { changes: 'First shape.', validate: object({ through: instant, reason: nullable(string()) }) },
];

/** The lock moves back to `through` (null: nothing locked). */
export const PERIOD_REOPENED: EventVersion[] = [
  { changes: 'First shape.', validate: object({ through: nullable(instant), reason: nullable(string()) }) },
];
