/**
 * Times on the command line: a full RFC 3339 timestamp, or a plain date (`2026-01-01`) where a
 * day is meant, read as the start of that day in UTC (`2026-01-01T00:00:00Z`) — so
 * `--from 2026-01-01 --to 2026-02-01` is January. A date that is no calendar day
 * (`2026-02-30`) is refused like any malformed time.
 */
import { InvalidInstant, parseInstant } from '../domain/time.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function cliInstant(value: string): string {
  try {
    return parseInstant(DATE.test(value) ? `${value}T00:00:00Z` : value);
  } catch (error) {
    if (!(error instanceof InvalidInstant)) throw error;
    throw new InvalidInstant(`${error.message}; or give a date, YYYY-MM-DD, for the start of that day (UTC)`);
  }
}
