/** Canonical JSON feeds fingerprints and the hash chain: its bytes must never change. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, freezeDeep } from '../../src/domain/json.js';
import { hashedBytes, hashedBytesPlain } from '../../src/events/envelope.js';

/** The first, plainly written encoder: sorted entries, no undefined, joined. The fast one must agree byte for byte. */
function reference(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number')
    return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

describe('canonicalJson', () => {
  it('encodes every JSON value exactly as the reference does (keys by UTF-16 code unit, undefined members dropped)', () => {
    const withUndefined = fc.dictionary(fc.string({ unit: 'binary' }), fc.option(fc.jsonValue(), { nil: undefined }));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), withUndefined, fc.array(withUndefined)), (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, '\u00e9': { z: 0, y: -1.5 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"é":{"y":-1.5,"z":0}}',
    );
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/non-finite/);
    expect(() => canonicalJson([undefined])).toThrow(/undefined cannot be encoded/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function cannot be encoded/);
  });

  it('remembers the encoding of a value frozen deep, which then cannot change', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const frozen = freezeDeep(structuredClone(value));
        expect(canonicalJson(frozen)).toBe(reference(value));
        expect(canonicalJson([frozen, frozen])).toBe(reference([value, value]));
      }),
      { numRuns: 500 },
    );
    const record = freezeDeep({ legs: [{ amount: '1.00' }] });
    expect(() => {
      (record.legs[0] as { amount: string }).amount = '2.00';
    }).toThrow(TypeError);
  });
});

describe('the bytes the hash chain covers', () => {
  it('are the canonical JSON of the envelope, byte for byte, also when events share their data', () => {
    const envelope = fc.record({
      position: fc.nat(),
      streamId: fc.string({ unit: 'binary' }),
      version: fc.nat(),
      type: fc.string(),
      schemaVersion: fc.nat(),
      data: fc.oneof(
        fc.constant('{"a":"\\u00e9\\"x"}'),
        fc.jsonValue().map((v) => canonicalJson(v)),
      ),
      metadata: fc.string({ unit: 'binary' }),
      recordedAt: fc.string(),
      effectiveAt: fc.string(),
      transactionId: fc.option(fc.uuid(), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(envelope, { minLength: 1, maxLength: 5 }), (events) => {
        for (const event of events) expect(hashedBytes(event)).toBe(hashedBytesPlain(event));
      }),
      { numRuns: 1000 },
    );
  });
});
