/** Snapshot encoding of account state: exact round trip, and versioned so stale snapshots are ignored. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, initialState, type AccountEvent, type Leg } from '../../src/domain/account.js';
import { ACCOUNT_STATE_VERSION, decodeState, encodeState } from '../../src/domain/account-state.js';

const T = '2026-01-01T00:00:00.000Z';
const opened: AccountEvent = {
  type: 'AccountOpened',
  effectiveAt: T,
  data: {
    code: 'assets:a',
    name: 'A',
    type: 'ASSET',
    currency: 'BTC/8',
    minimumBalance: '-1.00000000',
    maximumBalance: '5.00000000',
    metadata: { k: 'v' },
  },
};
const amount = fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 20n })).map(([n]) => {
  const s = n.toString().padStart(9, '0');
  return `${s.slice(0, -8)}.${s.slice(-8)}`.replace(/^0+(?=\d)/, '');
});
const posting = fc.record({ direction: fc.constantFrom('DEBIT' as const, 'CREDIT' as const), amount }).map(
  ({ direction, amount }): AccountEvent => ({
    type: 'TransactionPosted',
    effectiveAt: T,
    data: {
      transactionId: 't',
      idempotencyKey: 'k',
      description: null,
      metadata: null,
      reverses: null,
      legs: [
        { account: 'assets:a', direction, amount, currency: 'BTC/8' },
        { account: 'x', direction: direction === 'DEBIT' ? 'CREDIT' : 'DEBIT', amount, currency: 'BTC/8' },
      ],
    },
  }),
);

describe('account state encoding', () => {
  it('round-trips any folded state exactly, through JSON', () => {
    fc.assert(
      fc.property(fc.array(posting, { maxLength: 30 }), fc.boolean(), (postings, closed) => {
        const events = [
          opened,
          ...postings,
          ...(closed ? [{ type: 'AccountClosed', effectiveAt: T, data: {} } as AccountEvent] : []),
        ];
        const state = fold(events);
        const decoded = decodeState(JSON.parse(JSON.stringify(encodeState(state))));
        expect(decoded).toEqual(state);
      }),
      { numRuns: 200 },
    );
    expect(decodeState(encodeState(initialState()))).toEqual(initialState());
  });

  it('ignores a state encoded by another state version', () => {
    const encoded = encodeState(fold([opened]));
    expect(decodeState({ ...encoded, stateVersion: ACCOUNT_STATE_VERSION + 1 })).toBeNull();
    expect(decodeState({ ...encoded, stateVersion: ACCOUNT_STATE_VERSION - 1 })).toBeNull();
  });

  it('has the shape of state version 4 (change ACCOUNT_STATE_VERSION with the shape, then this list)', () => {
    expect(ACCOUNT_STATE_VERSION).toBe(4);
    expect(Object.keys(encodeState(fold([opened]))).sort()).toEqual(
      [
        'code',
        'credits',
        'currency',
        'debits',
        'exists',
        'holds',
        'maximumBalance',
        'metadata',
        'minimumBalance',
        'name',
        'openedAt',
        'stateVersion',
        'status',
        'type',
        'version',
      ].sort(),
    );
    expect(Object.keys(fold([opened])).sort()).toEqual(
      [
        'code',
        'credits',
        'currency',
        'debits',
        'exists',
        'holds',
        'maximumBalance',
        'metadata',
        'minimumBalance',
        'name',
        'openedAt',
        'status',
        'type',
        'version',
      ].sort(),
    );
  });

  it('round-trips open holds exactly', () => {
    const held = fold([
      opened,
      {
        type: 'HoldPlaced',
        effectiveAt: T,
        data: {
          transactionId: 'h1',
          idempotencyKey: 'k',
          description: null,
          metadata: null,
          reverses: null,
          expiresAt: '2030-01-01T00:00:00.000Z',
          legs: [
            { account: 'assets:a', direction: 'CREDIT', amount: '0.00000001', currency: 'BTC/8' },
            { account: 'x', direction: 'DEBIT', amount: '0.00000001', currency: 'BTC/8' },
          ],
        },
      },
    ]);
    expect(decodeState(encodeState(held))).toEqual(held);
    const legs = [
      { account: 'assets:a', direction: 'CREDIT', amount: '0.00000001', currency: 'BTC/8' },
      { account: 'x', direction: 'DEBIT', amount: '0.00000001', currency: 'BTC/8' },
    ];
    // Version 4: each hold keeps what it still holds and what its captures posted, leg by leg;
    // what it reserves and brings in (version 3) is derived from the legs still held.
    expect(encodeState(held).holds).toEqual({
      h1: {
        expiresAt: '2030-01-01T00:00:00.000Z',
        legs,
        captured: legs.map((leg) => ({ ...leg, amount: '0.00000000' })),
      },
    });
  });

  it('derives what each hold reserves and brings in from its legs, after adjustments and captures', () => {
    const legsAt = (direction: 'DEBIT' | 'CREDIT', amount: string): Leg[] => [
      { account: 'assets:a', direction, amount, currency: 'BTC/8' },
      { account: 'x', direction: direction === 'DEBIT' ? 'CREDIT' : 'DEBIT', amount, currency: 'BTC/8' },
    ];
    const hold = (id: string, direction: 'DEBIT' | 'CREDIT', amount: string): AccountEvent => ({
      type: 'HoldPlaced',
      effectiveAt: T,
      data: {
        transactionId: id,
        idempotencyKey: id,
        description: null,
        metadata: null,
        reverses: null,
        expiresAt: null,
        legs: legsAt(direction, amount),
      },
    });
    const state = fold([
      opened,
      hold('out', 'CREDIT', '0.30000000'),
      hold('in', 'DEBIT', '2.00000000'),
      { type: 'HoldAdjusted', effectiveAt: T, data: { transactionId: 'out', legs: legsAt('CREDIT', '0.50000000') } },
      {
        type: 'HoldCommitted',
        effectiveAt: T,
        data: {
          transactionId: 'in',
          legs: legsAt('DEBIT', '0.50000000'),
          final: false,
          captured: legsAt('DEBIT', '0.50000000'),
        },
      },
    ]);
    if (!state.exists) throw new Error('expected an account');
    expect(state.holds.out!.reserved.toString()).toBe('0.5');
    expect(state.holds.out!.incoming.toString()).toBe('0');
    expect(state.holds.in!.reserved.toString()).toBe('0');
    expect(state.holds.in!.incoming.toString()).toBe('1.5');
    expect(state.maximumBalance!.toString()).toBe('5');
    const encoded = JSON.parse(JSON.stringify(encodeState(state)));
    expect(Object.keys(encoded.holds.in).sort()).toEqual(['captured', 'expiresAt', 'legs']);
    expect(encoded.maximumBalance).toBe('5');
    expect(decodeState(encoded)).toEqual(state);
  });
});
