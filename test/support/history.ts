/**
 * A history worth exporting, on the books of books.ts: several currencies and a custom asset,
 * a backdated sale (recorded in March, effective in January), a transaction in two currencies
 * each balanced, and a reversal recorded in March effective when the original was paid.
 */
import { OPENED, type books } from './books.js';

export async function seedHistory({ ledger, post, reverse, setNow }: Awaited<ReturnType<typeof books>>) {
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
    {
      idempotencyKey: 'multi',
      effectiveAt: '2026-03-02T00:00:00.000Z',
      description: 'Two currencies, each balanced',
      entries: [
        { account: 'assets:bank:checking', direction: 'DEBIT', amount: '10.00' },
        { account: 'revenue:sales', direction: 'CREDIT', amount: '10.00' },
        { account: 'assets:yen', direction: 'DEBIT', amount: '1000' },
        { account: 'equity:yen', direction: 'CREDIT', amount: '1000' },
      ],
    },
    ctx,
  );
  await reverse('2026-03-03T00:00:00Z', rent);
}
