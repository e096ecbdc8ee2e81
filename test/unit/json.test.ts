/** Canonical JSON feeds fingerprints and the hash chain: its bytes must never change. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/json.js';

/** The first, plainly written encoder: sorted entries, no undefined, joined. The fast one must agree byte for byte. */
function reference(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number') return JSON.stringify(value);
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
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, '\u00e9': { z: 0, y: -1.5 } })).toBe('{"a":[true,null,"x"],"b":1,"é":{"y":-1.5,"z":0}}');
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/non-finite/);
    expect(() => canonicalJson([undefined])).toThrow(/undefined cannot be encoded/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function cannot be encoded/);
  });
});
