/** Checks shared by several event types. */
import { parseCurrency } from '../../domain/money.js';
import { fail, string, type Check } from '../schema-check.js';

export const decimal = string(/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/);
export const accountCode = string(/^[a-z0-9_-]+(:[a-z0-9_-]+)*$/);

/** A currency this build understands (ISO 4217 from the table, or CODE/SCALE). */
export const currency: Check = (value) => {
  string()(value);
  try {
    parseCurrency(value as string);
  } catch {
    fail(`unknown currency ${JSON.stringify(value)}`);
  }
};

/** One schema version of an event type: its validator, and how to lift it to the next version. */
export interface EventVersion {
  /** What this version changed, for docs/events.md and for whoever reads the code next. */
  changes: string;
  validate: Check;
  /** Pure: data valid at this version → data of the next version. Absent on the current version. */
  // biome-ignore lint/suspicious/noExplicitAny: an upcaster reads an older version's data, whose type no longer exists in code
  upcast?: (data: any) => unknown;
}
