/** Plain dates on the command line: the start of the day for a range, the end of it for an expiry. */
import { describe, expect, it } from 'vitest';
import { cliExpiry, cliInstant } from '../../src/cli/dates.js';

describe('cliExpiry', () => {
  it('reads a plain date as the end of that day: the key stops at the next day start, UTC', () => {
    expect(cliExpiry('2026-12-31')).toBe('2027-01-01T00:00:00.000Z');
    expect(cliExpiry('2028-02-28')).toBe('2028-02-29T00:00:00.000Z');
    expect(cliInstant('2026-12-31')).toBe('2026-12-31T00:00:00.000Z');
  });

  it('takes a full timestamp as it is', () => {
    expect(cliExpiry('2026-12-31T18:00:00+02:00')).toBe('2026-12-31T16:00:00.000Z');
  });

  it('refuses a date that is no calendar day, or the day after the last one, saying what a date means', () => {
    expect(() => cliExpiry('2026-02-30')).toThrow(/YYYY-MM-DD, to expire at the end of that day \(UTC\)/);
    expect(() => cliExpiry('9999-12-31')).toThrow(/not RFC 3339|out of range|year/i);
    expect(() => cliExpiry('tomorrow')).toThrow(/not RFC 3339/);
  });
});
