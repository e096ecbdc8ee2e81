/**
 * The one strict reading of a date and time: RFC 3339 with an explicit offset and at most
 * millisecond precision, normalised to UTC with milliseconds ("…T12:00:00.000Z") so that
 * stored times order as text. Used by the DateTime scalar and the CLI.
 */
import { ValidationError } from './errors.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

export class InvalidInstant extends Error {}

/** Normalises to the stored form: UTC, milliseconds, "Z" — so text order is time order. */
export function parseInstant(value: unknown): string {
  if (typeof value !== 'string')
    throw new InvalidInstant(`DateTime must be an RFC 3339 string, not ${describe(value)}`);
  const m = RFC3339.exec(value);
  if (!m)
    throw new InvalidInstant(
      `DateTime "${value.slice(0, 50)}" is not RFC 3339 with an explicit offset and at most millisecond precision (e.g. "2026-01-31T12:00:00Z")`,
    );
  const [, year, month, day, hour, minute, second, , offset] = m;
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const local = new Date(0);
  local.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  if (
    local.getUTCFullYear() !== Number(year) ||
    local.getUTCMonth() !== Number(month) - 1 ||
    local.getUTCDate() !== Number(day) ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    throw new InvalidInstant(`DateTime "${value}" is not a real calendar instant`);
  }
  if (offset !== 'Z' && (Number(offset!.slice(1, 3)) > 23 || Number(offset!.slice(4, 6)) > 59))
    throw new InvalidInstant(`DateTime "${value}" has an impossible offset`);
  const instant = new Date(Date.parse(value));
  if (Number.isNaN(instant.getTime()) || instant.getUTCFullYear() < 1 || instant.getUTCFullYear() > 9999) {
    throw new InvalidInstant(`DateTime "${value}" is out of range (years 0001 to 9999 in UTC)`);
  }
  return instant.toISOString();
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** parseInstant for an input field: a malformed time is that field's ValidationError. */
export function instantField(given: string, field: string): string {
  try {
    return parseInstant(given);
  } catch (error) {
    throw new ValidationError(field, (error as Error).message);
  }
}
