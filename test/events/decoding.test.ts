/** The one decode path: upcasting is deterministic and exact; bad events are named, never skipped. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_TYPES } from '../../src/domain/account.js';
import { canonicalJson } from '../../src/domain/json.js';
import { decodeEvent, encodeEvent, EventDecodingError } from '../../src/events/catalogue.js';

const AT = '2024-01-01T00:00:00.000Z';
const row = (type: string, schemaVersion: number, data: unknown, position = 7) => ({
  position,
  type,
  schemaVersion,
  data: canonicalJson(data),
  effectiveAt: AT,
});

const code = fc.stringMatching(/^[a-z0-9_-]{1,8}(:[a-z0-9_-]{1,8}){0,2}$/);
const currency = fc.constantFrom(
  ['USD', 2],
  ['JPY', 0],
  ['BHD', 3],
  ['BTC/8', 8],
  ['WEI/18', 18],
  ['POINTS/0', 0],
) as fc.Arbitrary<[string, number]>;
const metadata = fc.option(
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean())),
  { nil: null },
);

const accountOpenedV1 = fc.record({
  code,
  name: fc.string({ maxLength: 20 }),
  kind: fc.constantFrom('asset', 'liability', 'equity', 'revenue', 'expense'),
  currency: currency.map(([c]) => c),
});
const accountOpenedV2 = fc.record({
  code,
  name: fc.string({ maxLength: 20 }),
  type: fc.constantFrom(...ACCOUNT_TYPES),
  currency: currency.map(([c]) => c),
  metadata,
});
const transactionPostedV1 = fc
  .record({
    transactionId: fc.uuid(),
    memo: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
    currency,
    entries: fc.array(
      fc.record({
        account: code,
        side: fc.constantFrom('debit', 'credit'),
        amountMinor: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      }),
      { minLength: 2, maxLength: 5 },
    ),
  })
  .map(({ currency: [c, scale], entries, ...rest }) => ({
    ...rest,
    scale,
    entries: entries.map((e) => ({ ...e, currency: c })),
  }));

/** An independent oracle for minor units: place the decimal point in the digit string. */
function minorToDecimal(minor: number, scale: number): string {
  const digits = String(minor).padStart(scale + 1, '0');
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

describe('upcasting', () => {
  it('AccountOpened v1 and v2 decode deterministically to a valid current event', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          accountOpenedV1.map((d) => row('AccountOpened', 1, d)),
          accountOpenedV2.map((d) => row('AccountOpened', 2, d)),
        ),
        (stored) => {
          const first = decodeEvent(stored);
          expect(decodeEvent(stored)).toEqual(first);
          // The current shape re-encodes (its validator passes) and decodes to itself.
          const encoded = encodeEvent(first);
          expect(decodeEvent({ ...stored, ...encoded })).toEqual(first);
          expect(first.data).toMatchObject({ minimumBalance: null });
          if (stored.schemaVersion === 1)
            expect(first.data).toMatchObject({
              metadata: null,
              type: (JSON.parse(stored.data).kind as string).toUpperCase(),
            });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('TransactionPosted v1 turns integer minor units into the exact decimal at the currency scale', () => {
    fc.assert(
      fc.property(transactionPostedV1, ({ scale, ...data }) => {
        const stored = row('TransactionPosted', 1, data);
        const event = decodeEvent(stored);
        expect(decodeEvent(stored)).toEqual(event);
        if (event.type !== 'TransactionPosted') throw new Error('wrong type');
        expect(event.data.legs.map((l) => l.amount)).toEqual(
          data.entries.map((e) => minorToDecimal(e.amountMinor, scale)),
        );
        expect(event.data.legs.map((l) => l.direction)).toEqual(data.entries.map((e) => e.side.toUpperCase()));
        expect(event.data).toMatchObject({
          idempotencyKey: `legacy:${data.transactionId}`,
          description: data.memo,
          metadata: null,
        });
        expect(decodeEvent({ ...stored, ...encodeEvent(event) })).toEqual(event);
      }),
      { numRuns: 300 },
    );
  });
});

describe('unknown and broken events', () => {
  const cases: Array<[string, ReturnType<typeof row>, RegExp]> = [
    ['an unknown type', row('AccountRenamed', 1, {}), /position 7: unknown event type "AccountRenamed" v1/],
    [
      'a future version',
      row('TransactionPosted', 5, {}),
      /position 7: "TransactionPosted" v5: this build reads versions 1 to 4/,
    ],
    ['version 0', row('AccountClosed', 0, {}), /position 7: "AccountClosed" v0/],
    [
      'data that is not JSON',
      { ...row('AccountClosed', 1, {}), data: '{oops' },
      /position 7: "AccountClosed" v1: data is not valid JSON/,
    ],
    [
      'a v1 amount that is not an integer',
      row('TransactionPosted', 1, {
        transactionId: 't',
        memo: null,
        entries: [
          { account: 'a', side: 'debit', amountMinor: 1.5, currency: 'USD' },
          { account: 'b', side: 'credit', amountMinor: 1.5, currency: 'USD' },
        ],
      }),
      /position 7: "TransactionPosted" v1 fails its validator: entries\[0\]\.amountMinor/,
    ],
    [
      'a v2 account type in v1 spelling',
      row('AccountOpened', 2, { code: 'a', name: 'A', type: 'asset', currency: 'USD', metadata: null }),
      /"AccountOpened" v2 fails its validator: type: expected one of ASSET/,
    ],
    [
      'an unknown currency',
      row('AccountOpened', 1, { code: 'a', name: 'A', kind: 'asset', currency: 'XYZ' }),
      /"AccountOpened" v1 fails its validator: currency: unknown currency "XYZ"/,
    ],
    [
      'an extra field',
      row('AccountClosed', 1, { reason: 'x' }),
      /"AccountClosed" v1 fails its validator: reason: no such field/,
    ],
  ];
  it.each(cases)('refuses %s, naming position, type and version', (_name, stored, message) => {
    expect(() => decodeEvent(stored)).toThrow(EventDecodingError);
    expect(() => decodeEvent(stored)).toThrow(message);
  });

  it('refuses to write an event that does not match the current version', () => {
    expect(() => encodeEvent({ type: 'AccountClosed', effectiveAt: AT, data: { extra: 1 } as never })).toThrow(
      /no such field/,
    );
  });
});
