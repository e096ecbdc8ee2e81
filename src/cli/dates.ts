/**
 * Times on the command line: a full RFC 3339 timestamp, or a plain date (`2026-01-01`) where a
 * day is meant, read as the start of that day in UTC (`2026-01-01T00:00:00Z`) — so
 * `--from 2026-01-01 --to 2026-02-01` is January. A date that is no calendar day
 * (`2026-02-30`) is refused like any malformed time.
 *
 * An expiry is the exception (`keys create --expires-at 2026-12-31`): "expires on the 31st" means
 * usable through that whole day, so a plain date there is the end of the day — the key stops
 * working at the start of the next day, UTC (`2027-01-01T00:00:00Z`).
 */
import { InvalidInstant, parseInstant } from '../domain/time.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const DAY_MS = 86_400_000;

export function cliInstant(value: string): string {
  return readInstant(value, 0, 'for the start of that day (UTC)');
}

/** An expiry: a timestamp as given; a plain date, through the end of that day (UTC). */
export function cliExpiry(value: string): string {
  return readInstant(value, DAY_MS, 'to expire at the end of that day (UTC)');
}

/** A timestamp, or a date's start plus `dateOffsetMs`; a refusal says what a date would mean. */
function readInstant(value: string, dateOffsetMs: number, dateMeans: string): string {
  try {
    if (!DATE.test(value)) return parseInstant(value);
    const start = parseInstant(`${value}T00:00:00Z`);
    return dateOffsetMs === 0 ? start : parseInstant(new Date(Date.parse(start) + dateOffsetMs).toISOString());
  } catch (error) {
    if (!(error instanceof InvalidInstant)) throw error;
    throw new InvalidInstant(`${error.message}; or give a date, YYYY-MM-DD, ${dateMeans}`);
  }
}
