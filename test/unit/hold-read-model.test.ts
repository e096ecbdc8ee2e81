/**
 * The transaction row of a hold, from its events (projections/read-models.ts): one command's
 * events on every account change it once, and two commands alike in one batch both change it.
 */
import { describe, expect, it } from 'vitest';
import {
  evolve,
  type AccountEvent,
  type AccountState,
  type Leg,
  type OpenedAccount,
} from '../../src/domain/account.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import { addEvent, emptyRows } from '../../src/projections/read-models.js';

const T = '2026-01-01T00:00:00.000Z';
const ID = '019cd400-0000-7000-8000-0000000000ff';
const legs = (amount: string): Leg[] => [
  { account: 'liabilities:w', direction: 'DEBIT', amount, currency: 'USD' },
  { account: 'assets:b', direction: 'CREDIT', amount, currency: 'USD' },
];
const opened = (code: string, type: 'ASSET' | 'LIABILITY'): AccountEvent => ({
  type: 'AccountOpened',
  effectiveAt: T,
  data: { code, name: code, type, currency: 'USD', minimumBalance: null, metadata: null },
});

/** Each command's event appended to both accounts, at consecutive positions, as the ledger seals them. */
function project(commands: AccountEvent[]) {
  const rows = emptyRows();
  const seen = new Set<string>();
  const states = new Map<string, AccountState>([
    ['liabilities:w', evolve({ exists: false, version: 0 }, opened('liabilities:w', 'LIABILITY'))],
    ['assets:b', evolve({ exists: false, version: 0 }, opened('assets:b', 'ASSET'))],
  ]);
  let position = 2;
  for (const event of commands)
    for (const code of ['liabilities:w', 'assets:b']) {
      const state = evolve(states.get(code)!, event) as OpenedAccount;
      states.set(code, state);
      const stored: StoredEvent = {
        position: ++position,
        streamId: `account:${code}`,
        version: state.version,
        type: event.type,
        schemaVersion: 1,
        data: '{}',
        metadata: '{}',
        recordedAt: T,
        effectiveAt: T,
        transactionId: ID,
        hash: '',
      };
      addEvent(rows, { stored, event }, state, seen, false);
    }
  return rows;
}

const placed: AccountEvent = {
  type: 'HoldPlaced',
  effectiveAt: T,
  data: {
    transactionId: ID,
    idempotencyKey: 'k',
    legs: legs('2.00'),
    description: null,
    metadata: null,
    reverses: null,
    expiresAt: null,
  },
};
const adjusted = (amount: string): AccountEvent => ({
  type: 'HoldAdjusted',
  effectiveAt: T,
  data: { transactionId: ID, legs: legs(amount) },
});

describe('a hold’s transaction row', () => {
  it('follows adjustments alike in one batch: raised, lowered, raised again', () => {
    const rows = project([placed, adjusted('3.00'), adjusted('2.00'), adjusted('3.00')]);
    expect(JSON.parse(rows.transactionUpdates.get(ID)!.legs!)).toEqual(legs('3.00'));
    expect(rows.holds.get(`${ID}/liabilities:w`)!.row!.reserved).toBe('3.00');
  });

  it('takes a final capture’s position from its first account’s event', () => {
    const captured: AccountEvent = {
      type: 'HoldCommitted',
      effectiveAt: T,
      data: { transactionId: ID, legs: legs('1.00'), final: true, captured: legs('1.00') },
    };
    const rows = project([placed, captured]);
    expect(rows.transactionUpdates.get(ID)).toMatchObject({ status: 'POSTED', position: 5 });
    expect(rows.holds.get(`${ID}/assets:b`)!.row).toBeNull();
  });
});
