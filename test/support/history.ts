/**
 * A history worth exporting, on the books of books.ts: several currencies and a custom asset,
 * a backdated sale (recorded in March, effective in January), a transaction in two currencies
 * each balanced, and a reversal recorded in March effective when the original was paid.
 */
import type { PostTransactionInput } from '../../src/ledger/ledger.js';
import { OPENED, type books } from './books.js';

type Books = Awaited<ReturnType<typeof books>>;

/** A postTransaction input from [account, direction, amount] rows. */
function posting(
  idempotencyKey: string,
  effectiveAt: string,
  description: string,
  legs: Array<[string, 'DEBIT' | 'CREDIT', string]>,
): PostTransactionInput {
  const entries = legs.map(([account, direction, amount]) => ({ account, direction, amount }));
  return { idempotencyKey, effectiveAt, description, entries };
}

export async function seedHistory({ ledger, post, reverse, setNow }: Books) {
  const ctx = { actor: 'test', requestId: 'history' };
  for (const [code, type] of [
    ['assets:btc', 'ASSET'],
    ['equity:btc', 'EQUITY'],
  ] as const) {
    await ledger.openAccount({ code, name: code, type, currency: 'BTC/8', effectiveAt: OPENED }, ctx);
  }
  await post('2026-01-02T09:30:00Z', 'assets:bank:checking', 'equity:capital', '1000.00', {
    description: 'Capital; first "deposit"',
  });
  const rent = await post('2026-01-10T23:59:59Z', 'expenses:rent', 'assets:bank:checking', '450.55');
  await post('2026-01-31T23:59:59.999Z', 'assets:bank:checking', 'revenue:sales', '0.01');
  await post('2026-02-01T00:00:00Z', 'assets:yen', 'equity:yen', '123456');
  await post('2026-02-02T00:00:00Z', 'assets:btc', 'equity:btc', '1.50000001');
  await post('2026-03-01T00:00:00Z', 'assets:bank:savings', 'revenue:sales', '99.99', {
    effectiveAt: '2026-01-20T12:00:00.000Z',
    description: 'Backdated sale',
  });
  setNow('2026-03-02T00:00:00Z');
  await ledger.postTransaction(
    posting('multi', '2026-03-02T00:00:00.000Z', 'Two currencies, each balanced', [
      ['assets:bank:checking', 'DEBIT', '10.00'],
      ['revenue:sales', 'CREDIT', '10.00'],
      ['assets:yen', 'DEBIT', '1000'],
      ['equity:yen', 'CREDIT', '1000'],
    ]),
    ctx,
  );
  await reverse('2026-03-03T00:00:00Z', rent);
}

/** Yen bought with dollars on 2026-03-05: an exchange, whose conversion legs the ledger adds. */
export async function seedExchange({ ledger, setNow }: Books) {
  setNow('2026-03-05T00:00:00Z');
  const input = posting('yen-bought', '2026-03-05T00:00:00.000Z', 'Yen bought', [
    ['assets:yen', 'DEBIT', '1500'],
    ['assets:bank:checking', 'CREDIT', '10.00'],
  ]);
  const exchanges = [{ from: { amount: '10.00', currency: 'USD' }, to: { amount: '1500', currency: 'JPY' } }];
  await ledger.postTransaction({ ...input, exchanges }, { actor: 'test', requestId: 'exchange' });
}
