/**
 * Reports over a history with backdated entries, on a clock the test moves: the statement
 * (opening, running balances, late flags, closing, totals), trial balance, balance sheet and
 * income statement against a brute-force replay of the log, the fixed log position under
 * concurrent writes, and the audit trail's filters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signedOnNormalSide } from '../../src/domain/account.js';
import { Amount, ZERO, formatAmount } from '../../src/domain/money.js';
import { decodeEvent } from '../../src/events/catalogue.js';
import { accountCodeOf } from '../../src/events/streams.js';
import { getAccounts } from '../../src/ledger/queries.js';
import { allAuditEvents, type auditEvents } from '../../src/reports/audit-trail.js';
import { balanceSheet, incomeStatement, trialBalance } from '../../src/reports/balances.js';
import { before, reportCut } from '../../src/reports/cut.js';
import { allStatementLines, statementHeader, statementLines } from '../../src/reports/statement.js';
import type { Database, Db } from '../../src/store/db.js';
import { readLog } from '../../src/store/event-store.js';
import { ACCOUNTS, OPENED, books } from '../support/books.js';

/** Every account's normal-side balance from the raw log: events at or before P, effective at or before asOf. */
async function bruteBalances(db: Db, asOf: string, P: number): Promise<Map<string, Amount>> {
  const types = new Map(ACCOUNTS.map((a) => [a.code, a.type]));
  const sums = new Map<string, Amount>();
  for await (const stored of readLog(db, 0)) {
    if (stored.position > P) break;
    const event = decodeEvent(stored);
    if (event.type !== 'TransactionPosted' || stored.effectiveAt > asOf) continue;
    const code = accountCodeOf(stored.streamId);
    for (const leg of event.data.legs)
      if (leg.account === code)
        sums.set(code, (sums.get(code) ?? ZERO).plus(signedOnNormalSide(types.get(code)!, leg)));
  }
  return sums;
}

describe('reports over a history with backdated entries', () => {
  it('statement: opening, running balances, late flags, closing and totals; the knownAt cut hides later recordings', async () => {
    const { temp, post } = await books();
    const db = temp.database.db;
    try {
      await post('2026-01-01T00:00:00Z', 'assets:bank:checking', 'equity:capital', '500.00', {
        effectiveAt: '2025-12-20T10:00:00.000Z',
      }); // before the period: opening
      await post('2026-01-05T09:00:00Z', 'assets:bank:checking', 'revenue:sales', '120.50', {
        description: 'Invoice 1',
      });
      await post('2026-01-10T12:00:00Z', 'expenses:rent', 'assets:bank:checking', '80.25', { description: 'Rent' });
      await post('2026-01-20T08:00:00Z', 'assets:bank:savings', 'assets:bank:checking', '40.00');
      await post('2026-02-03T00:00:00Z', 'assets:bank:checking', 'revenue:sales', '9.99'); // after the period
      const beforeBackdating = '2026-02-10T00:00:00.000Z';
      // Recorded in February, effective in January: late for January's statement.
      await post('2026-02-15T00:00:00Z', 'assets:bank:checking', 'revenue:sales', '15.00', {
        effectiveAt: '2026-01-07T00:00:00.000Z',
        description: 'Backdated',
      });

      const [account] = (await getAccounts(db, ['assets:bank:checking'])).values();
      const period = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };
      const now = '2026-03-01T00:00:00.000Z';
      const header = await statementHeader(db, account!, period, await reportCut(db, null, now));
      expect(header).toMatchObject({
        opening: '500.00',
        closing: '515.25',
        totalDebits: '135.50',
        totalCredits: '120.25',
        lineCount: 4,
        knownAt: now,
      });
      const lines = await statementLines(db, header, null, 100);
      expect(
        lines.map((l) => [
          l.effectiveAt.slice(0, 10),
          l.direction,
          l.amount,
          l.runningBalance,
          l.late,
          l.description,
          l.counterAccounts,
        ]),
      ).toEqual([
        ['2026-01-05', 'DEBIT', '120.50', '620.50', false, 'Invoice 1', ['revenue:sales']],
        ['2026-01-07', 'DEBIT', '15.00', '635.50', true, 'Backdated', ['revenue:sales']],
        ['2026-01-10', 'CREDIT', '80.25', '555.25', false, 'Rent', ['expenses:rent']],
        ['2026-01-20', 'CREDIT', '40.00', '515.25', false, 't4', ['assets:bank:savings']],
      ]);
      // Paging recomputes the running balance from the index, never from the cursor.
      const second = await statementLines(db, header, lines[1]!, 100);
      expect(second.map((l) => l.runningBalance)).toEqual(['555.25', '515.25']);
      const streamed = [];
      for await (const line of allStatementLines(db, header, 2)) streamed.push(line);
      expect(streamed).toEqual(lines);

      // As known before the backdated posting: no late line, a different closing and a smaller cut.
      const earlier = await statementHeader(db, account!, period, await reportCut(db, beforeBackdating, now));
      expect(earlier).toMatchObject({ closing: '500.25', lineCount: 3, knownAt: beforeBackdating });
      expect(earlier.atPosition).toBeLessThan(header.atPosition);
      expect((await statementLines(db, earlier, null, 100)).some((l) => l.late)).toBe(false);
    } finally {
      await temp.dispose();
    }
  });

  it('reversals: in the statement (late when recorded after the period), netted in the balances, linked in the audit trail', async () => {
    const { temp, post, reverse } = await books();
    const db = temp.database.db;
    try {
      const sale = await post('2026-01-05T00:00:00Z', 'assets:bank:checking', 'revenue:sales', '100.00', {
        description: 'Sale',
      });
      const rent = await post('2026-01-12T00:00:00Z', 'expenses:rent', 'assets:bank:checking', '40.00', {
        description: 'Rent',
      });
      const rentReversal = await reverse('2026-01-20T00:00:00Z', rent, '2026-01-20T00:00:00.000Z');
      // Recorded in February, effective when the sale was: late for January.
      const saleReversal = await reverse('2026-02-10T00:00:00Z', sale);
      const [account] = (await getAccounts(db, ['assets:bank:checking'])).values();
      const january = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };
      const now = '2026-03-01T00:00:00.000Z';
      const header = await statementHeader(db, account!, january, await reportCut(db, null, now));
      expect(header).toMatchObject({
        opening: '0.00',
        closing: '0.00',
        totalDebits: '140.00',
        totalCredits: '140.00',
        lineCount: 4,
      });
      expect(
        (await statementLines(db, header, null, 10)).map((l) => [
          l.transactionId,
          l.direction,
          l.amount,
          l.runningBalance,
          l.late,
        ]),
      ).toEqual([
        [sale, 'DEBIT', '100.00', '100.00', false],
        [saleReversal, 'CREDIT', '100.00', '0.00', true],
        [rent, 'CREDIT', '40.00', '-40.00', false],
        [rentReversal, 'DEBIT', '40.00', '0.00', false],
      ]);
      // As known at the end of January, the sale stood.
      const atMonthEnd = await reportCut(db, '2026-01-31T23:59:59.999Z', now);
      expect((await statementHeader(db, account!, january, atMonthEnd)).closing).toBe('100.00');
      expect((await incomeStatement(db, january, atMonthEnd)).totals).toEqual([
        { currency: 'USD', revenue: '100.00', expenses: '0.00', netIncome: '100.00' },
      ]);
      const cut = await reportCut(db, null, now);
      expect((await incomeStatement(db, january, cut)).totals).toEqual([
        { currency: 'USD', revenue: '0.00', expenses: '0.00', netIncome: '0.00' },
      ]);
      const tb = await trialBalance(db, '2026-01-31T23:59:59.999Z', cut);
      expect(tb.lines.filter((l) => !new Amount(l.debit).isZero() || !new Amount(l.credit).isZero())).toEqual([]);
      expect(tb.balanced).toBe(true);
      const trail = [];
      for await (const e of allAuditEvents(temp.database, { transaction: saleReversal }, cut)) trail.push(e);
      expect(
        trail.map((e) => [e.metadata.command, e.metadata.causationId, (e.event.data as { reverses: string }).reverses]),
      ).toEqual([
        ['reverseTransaction', sale, sale],
        ['reverseTransaction', sale, sale],
      ]);
    } finally {
      await temp.dispose();
    }
  });

  it('a report keeps its log position while writes go on between its pages', async () => {
    const { temp, post } = await books();
    const db = temp.database.db;
    try {
      for (let i = 0; i < 5; i++)
        await post(`2026-01-0${i + 2}T00:00:00Z`, 'assets:bank:checking', 'equity:capital', '1.00');
      const [account] = (await getAccounts(db, ['assets:bank:checking'])).values();
      const header = await statementHeader(
        db,
        account!,
        { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
        await reportCut(db, null, '2026-01-20T00:00:00.000Z'),
      );
      const first = await statementLines(db, header, null, 2);
      // Concurrent writes: one effective inside the page already read, one after it.
      await post('2026-01-10T00:00:00Z', 'assets:bank:checking', 'equity:capital', '100.00', {
        effectiveAt: '2026-01-02T12:00:00.000Z',
      });
      await post('2026-01-10T00:00:01Z', 'assets:bank:checking', 'equity:capital', '100.00', {
        effectiveAt: '2026-01-05T12:00:00.000Z',
      });
      const rest = await statementLines(db, header, first[1]!, 100);
      expect([...first, ...rest].map((l) => l.runningBalance)).toEqual(['1.00', '2.00', '3.00', '4.00', '5.00']);
      const tb = await trialBalance(db, '2026-12-31T00:00:00.000Z', header);
      expect(tb.lines.find((l) => l.code === 'assets:bank:checking')!.debit).toBe('5.00');
    } finally {
      await temp.dispose();
    }
  });

  it('trial balance, balance sheet and income statement agree with a replay of the log, and balance', async () => {
    const { temp, post } = await books();
    const db = temp.database.db;
    try {
      await post('2026-01-02T00:00:00Z', 'assets:bank:checking', 'equity:capital', '1000.00');
      await post('2026-01-03T00:00:00Z', 'assets:bank:checking', 'liabilities:loan', '250.00');
      await post('2026-01-15T00:00:00Z', 'assets:bank:checking', 'revenue:sales', '300.00');
      await post('2026-01-20T00:00:00Z', 'expenses:rent', 'assets:bank:checking', '1700.00'); // checking goes negative: a credit balance
      await post('2026-02-05T00:00:00Z', 'assets:yen', 'equity:yen', '5000');
      await post('2026-02-10T00:00:00Z', 'assets:bank:savings', 'revenue:sales', '42.42', {
        effectiveAt: '2026-01-25T00:00:00.000Z',
      });
      const now = '2026-03-01T00:00:00.000Z';
      const cut = await reportCut(db, null, now);
      const asOf = '2026-01-31T23:59:59.999Z';
      const tb = await trialBalance(db, asOf, cut);
      const brute = await bruteBalances(db, asOf, cut.atPosition);
      for (const line of tb.lines) {
        const normal = ACCOUNTS.find((a) => a.code === line.code)!.type;
        const signed = ['ASSET', 'EXPENSE'].includes(normal)
          ? new Amount(line.debit).minus(line.credit)
          : new Amount(line.credit).minus(line.debit);
        expect(signed.eq(brute.get(line.code) ?? ZERO), line.code).toBe(true);
      }
      expect(tb.lines.find((l) => l.code === 'assets:bank:checking')).toMatchObject({
        debit: '0.00',
        credit: '150.00',
      });
      expect(tb.totals).toEqual([
        { currency: 'JPY', debit: '0', credit: '0', balanced: true },
        { currency: 'USD', debit: '1742.42', credit: '1742.42', balanced: true },
      ]);
      expect(tb.balanced).toBe(true);
      expect(tb.byPrefix.find((s) => s.key === 'assets:bank' && s.currency === 'USD')).toEqual({
        key: 'assets:bank',
        currency: 'USD',
        debit: '42.42',
        credit: '150.00',
      });
      expect(tb.byType.map((s) => s.key)).toEqual([
        'ASSET',
        'ASSET',
        'LIABILITY',
        'EQUITY',
        'EQUITY',
        'REVENUE',
        'EXPENSE',
      ]);

      const sheet = await balanceSheet(db, asOf, cut);
      expect(sheet.totals.find((t) => t.currency === 'USD')).toEqual({
        currency: 'USD',
        assets: '-107.58',
        liabilities: '250.00',
        equity: '1000.00',
        earnings: '-1357.58',
        balanced: true,
      });
      expect(sheet.totals.every((t) => t.balanced)).toBe(true);

      const income = await incomeStatement(
        db,
        { from: '2026-01-10T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
        cut,
      );
      expect(income.totals).toEqual([
        { currency: 'USD', revenue: '342.42', expenses: '1700.00', netIncome: '-1357.58' },
      ]);
      // As known before the backdated sale was recorded.
      const earlier = await incomeStatement(
        db,
        { from: '2026-01-10T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
        await reportCut(db, '2026-02-09T00:00:00.000Z', now),
      );
      expect(earlier.totals[0]!.revenue).toBe('300.00');
    } finally {
      await temp.dispose();
    }
  });

  it('audit trail: a recorded-time window, filters, metadata, stored version and hash', async () => {
    const { temp, post } = await books();
    const database: Database = temp.database;
    try {
      const a = await post('2026-01-02T00:00:00Z', 'assets:bank:checking', 'equity:capital', '10.00', {
        actor: 'alice',
      });
      await post('2026-01-03T00:00:00Z', 'assets:bank:checking', 'equity:capital', '20.00', { actor: 'bob' });
      await post('2026-01-04T00:00:00Z', 'assets:yen', 'equity:yen', '7', { actor: 'alice' });
      const cut = await reportCut(database.db, null, '2026-02-01T00:00:00.000Z');
      const all = async (filter: Parameters<typeof auditEvents>[1]) => {
        const out = [];
        for await (const e of allAuditEvents(database, filter, cut, 2)) out.push(e);
        return out;
      };
      const everything = await all({});
      expect(everything).toHaveLength(ACCOUNTS.length + 6);
      expect(everything.map((e) => e.stored.position)).toEqual(everything.map((_, i) => i + 1));
      const alice = await all({ actor: 'alice' });
      expect(alice.map((e) => [e.metadata.actor, e.stored.streamId])).toEqual([
        ['alice', 'account:assets:bank:checking'],
        ['alice', 'account:equity:capital'],
        ['alice', 'account:assets:yen'],
        ['alice', 'account:equity:yen'],
      ]);
      expect(
        (await all({ account: 'equity:capital', type: 'TransactionPosted' })).map((e) => e.metadata.actor),
      ).toEqual(['alice', 'bob']);
      expect((await all({ transaction: a })).every((e) => e.stored.transactionId === a)).toBe(true);
      expect(await all({ transaction: a })).toHaveLength(2);
      expect(await all({ type: 'AccountOpened' })).toHaveLength(ACCOUNTS.length);
      const window = await all({ from: '2026-01-03T00:00:00.000Z', to: '2026-01-04T00:00:00.000Z' });
      expect(window.map((e) => e.metadata.actor)).toEqual(['bob', 'bob']);
      for (const e of everything) {
        expect(e.stored.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(e.stored.schemaVersion).toBeGreaterThan(0);
        expect(e.metadata.command).toMatch(/^(openAccount|transfer)$/);
      }
      // The cut hides what came later.
      const later = await post('2026-03-01T00:00:00Z', 'assets:bank:checking', 'equity:capital', '1.00', {
        actor: 'alice',
      });
      expect(await all({ transaction: later })).toHaveLength(0);
    } finally {
      await temp.dispose();
    }
  });
});

describe('reports equal brute force', () => {
  it('over random histories with backdating, at random cuts and instants', async () => {
    const step = fc.record({
      /** Sometimes reverse an earlier transaction (by index) instead of posting. */
      reverse: fc.option(fc.nat(), { freq: 4 }),
      advanceMs: fc.integer({ min: 0, max: 3 * 86_400_000 }),
      from: fc.integer({ min: 0, max: 5 }),
      to: fc.integer({ min: 0, max: 5 }),
      cents: fc.integer({ min: 1, max: 999_999 }),
      backMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 * 86_400_000 })),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 30 }),
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0, max: 1, noNaN: true }),
          ),
          { minLength: 2, maxLength: 4 },
        ),
        async (steps, queries) => {
          const { temp, post, reverse, nowIso } = await books();
          const db = temp.database.db;
          try {
            const start = Date.parse('2026-01-01T00:00:00.000Z');
            let t = start;
            const posted: string[] = [];
            for (const s of steps) {
              t += s.advanceMs;
              if (s.reverse !== null && posted.length > 0) {
                // A reversal may be refused (reversed before): the books must not change then.
                await reverse(new Date(t).toISOString(), posted[s.reverse % posted.length]!).catch(
                  (error: { code?: string }) => {
                    if (error.code !== 'TRANSACTION_ALREADY_REVERSED') throw error;
                  },
                );
                continue;
              }
              if (s.from === s.to) continue;
              const effectiveAt = new Date(Math.max(Date.parse(OPENED), t - s.backMs)).toISOString();
              posted.push(
                await post(
                  new Date(t).toISOString(),
                  ACCOUNTS[s.from]!.code,
                  ACCOUNTS[s.to]!.code,
                  formatAmount(new Amount(s.cents).div(100), 2),
                  { effectiveAt },
                ),
              );
            }
            const end = Date.parse(nowIso()) + 1;
            const at = (x: number) =>
              new Date(Math.floor(Date.parse(OPENED) + x * (end - Date.parse(OPENED)))).toISOString();
            for (const [k, a, b] of queries) {
              const cut = await reportCut(db, at(k), '2030-01-01T00:00:00.000Z');
              const asOf = at(a);
              const tb = await trialBalance(db, asOf, cut);
              const brute = await bruteBalances(db, asOf, cut.atPosition);
              expect(tb.balanced).toBe(true);
              for (const line of tb.lines) {
                const type = ACCOUNTS.find((x) => x.code === line.code)!.type;
                const signed = ['ASSET', 'EXPENSE'].includes(type)
                  ? new Amount(line.debit).minus(line.credit)
                  : new Amount(line.credit).minus(line.debit);
                expect(signed.toFixed(2)).toBe((brute.get(line.code) ?? ZERO).toFixed(2));
              }
              expect((await balanceSheet(db, asOf, cut)).totals.every((x) => x.balanced)).toBe(true);
              // Statement: opening + lines = closing, each running balance the brute force at that line.
              const [from, to] = [at(Math.min(a, b)), at(Math.max(a, b))];
              if (from >= to) continue;
              const [checking] = (await getAccounts(db, ['assets:bank:checking'])).values();
              const header = await statementHeader(db, checking!, { from, to }, cut);
              expect(header.opening).toBe(
                ((await bruteBalances(db, before(from), cut.atPosition)).get('assets:bank:checking') ?? ZERO).toFixed(
                  2,
                ),
              );
              expect(header.closing).toBe(
                // biome-ignore lint/suspicious/noDuplicateTestHooks: before() is the instant just before `to`, not a test hook
                ((await bruteBalances(db, before(to), cut.atPosition)).get('assets:bank:checking') ?? ZERO).toFixed(2),
              );
              let running = new Amount(header.opening);
              for await (const line of allStatementLines(db, header, 3)) {
                running = running.plus(line.direction === 'DEBIT' ? line.amount : new Amount(line.amount).neg());
                expect(line.runningBalance).toBe(running.toFixed(2));
                expect(line.late).toBe(line.recordedAt >= to);
              }
              expect(running.toFixed(2)).toBe(header.closing);
            }
          } finally {
            await temp.dispose();
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
