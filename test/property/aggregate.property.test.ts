/**
 * Aggregate balances equal brute force (issue 19, point 5): over random histories with backdating,
 * two currencies, holds, and accounts frozen, unfrozen and closed, every random selector (prefix or
 * pattern), grouping level, asOf and knownAt answers per group and currency exactly the sums a
 * replay of the event log gives — debits, credits, posted and the member count — and each row is
 * the sum of its members' own balances. accounts(filter) — type, currency, status (now) and a
 * balance bound with the selector — lists exactly the accounts the replay finds.
 * At a past asOf, members are summed from their entries or through the as-of index (bulk-balances.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/domain/errors.js';
import { checkAccountFilter, isAtOrBelow, matchesPattern } from '../../src/domain/filters.js';
import { Amount, formatAmount, ZERO } from '../../src/domain/money.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { searchAccounts } from '../../src/ledger/account-search.js';
import { bulkTuning } from '../../src/ledger/bulk-balances.js';
import { prefixSumsNow } from '../../src/ledger/prefix-sums-now.js';
import { getAccounts, listAccounts, pendingOf } from '../../src/ledger/queries.js';
import { aggregateBalances, checkSelector } from '../../src/reports/aggregate.js';
import { reportCut } from '../../src/reports/cut.js';
import type { Db } from '../../src/store/db.js';
import { foldBalances, postedBalance, type FoldedAccount } from '../support/balances-fold.js';
import { tempDatabase } from '../support/server.js';

const START = Date.parse('2026-03-01T00:00:00.000Z');
const ACCOUNTS = [
  { code: 'assets:bank:usd', type: 'ASSET' as const, currency: 'USD' },
  { code: 'assets:bank:eur', type: 'ASSET' as const, currency: 'EUR' },
  { code: 'liabilities:users:u1:wallet', type: 'LIABILITY' as const, currency: 'USD' },
  { code: 'liabilities:users:u2:wallet', type: 'LIABILITY' as const, currency: 'USD' },
  { code: 'liabilities:users:u2:eur', type: 'LIABILITY' as const, currency: 'EUR' },
  { code: 'revenue:fees', type: 'REVENUE' as const, currency: 'USD' },
];
const ctx = { actor: 'aggregate', requestId: 'aggregate' };
const DIRECT_SUM_DEFAULT = bulkTuning.directSumMaxEvents;
const at = (ms: number) => new Date(ms).toISOString();
const END_OF_TIME = '9999-12-31T23:59:59.999Z';

const step = fc.record({
  from: fc.nat(),
  to: fc.nat(),
  cents: fc.integer({ min: 1, max: 90_000 }),
  /** Backdated, or (negative) dated up to a minute ahead: at now, still to come. */
  backMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 * 86_400_000 }), fc.integer({ min: -60_000, max: -1 })),
  hold: fc.boolean(),
  /** An account opened late (effective now), after some history. */
  late: fc.boolean(),
  /** Now and then the step changes the `from` account's status instead of posting. */
  status: fc.oneof(
    { arbitrary: fc.constant(null), weight: 3 },
    { arbitrary: fc.constantFrom('freeze' as const, 'unfreeze' as const, 'close' as const), weight: 1 },
  ),
});

const query = fc.record({
  selector: fc.oneof(
    fc
      .constantFrom('assets', 'liabilities', 'liabilities:users', 'liabilities:users:u2', 'revenue:fees', 'equity')
      .map((prefix) => ({ prefix })),
    fc
      .constantFrom('liabilities:users:*:wallet', '**:eur', '*:*:usd', '**', 'liabilities:**')
      .map((pattern) => ({ pattern })),
  ),
  /** Up to one past the deepest code: 4 segments below a one-segment prefix take code_head on SQLite. */
  level: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
  /** accounts(filter) with the selector as its prefix or pattern, and these fields. */
  type: fc.option(fc.constantFrom('ASSET' as const, 'LIABILITY' as const, 'REVENUE' as const), { nil: undefined }),
  currency: fc.option(fc.constantFrom('USD', 'EUR'), { nil: undefined }),
  status: fc.option(fc.subarray(['OPEN', 'FROZEN', 'CLOSED'] as const), { nil: undefined }),
  balance: fc.option(
    fc.record({
      metric: fc.constantFrom('POSTED' as const, 'AVAILABLE' as const),
      /** Picks among the figures the accounts have, so bounds fall on them. */
      gte: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
      lte: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    }),
    { nil: undefined },
  ),
  asOf: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 1000 })),
  knownAt: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 1000 })),
  /** At a past asOf: every account summed from its entries, none (the as-of index), or a mix. */
  directSumMaxEvents: fc.constantFrom(0, 4, 256),
});

/** Every account the log knew at `atPosition`, opened by `asOf`, with its volumes effective by then. */
async function replay(db: Db, asOf: string, atPosition: number): Promise<FoldedAccount[]> {
  return [...(await foldBalances(db, asOf, atPosition)).values()].filter((m) => m.openedAt <= asOf);
}

describe('balances(selector, asOf, knownAt, groupBy) and accounts(filter)', () => {
  it('equal the sums of a replay of the log, per group and currency, and its filtered accounts', async () => {
    // What the runs covered: a status filter that never met a frozen or closed account would prove little.
    const seen = { FROZEN: 0, CLOSED: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 2, maxLength: 25 }),
        fc.array(query, { minLength: 2, maxLength: 6 }),
        async (steps, queries) => {
          const temp = await tempDatabase();
          const clock = { now: START };
          const ledger = new Ledger(temp.database, { clock: () => new Date(clock.now) });
          try {
            const opened = ACCOUNTS.filter((_, i) => i < 5 || !steps.some((s) => s.late));
            for (const a of opened)
              await ledger.openAccount(
                {
                  code: a.code,
                  name: a.code,
                  type: a.type,
                  currency: a.currency,
                  effectiveAt: at(START - 10 * 86_400_000),
                },
                ctx,
              );
            // A refusal (posting to a frozen account, closing one with a balance…) writes nothing: the history stays valid.
            const refused = (error: unknown) => {
              if (!(error instanceof LedgerError)) throw error;
            };
            const settle = async (code: string, peer: string, idempotencyKey: string) => {
              const account = (await foldBalances(temp.database.db, END_OF_TIME, Number.POSITIVE_INFINITY)).get(code)!;
              const debit = account.debits.minus(account.credits);
              if (debit.isZero()) return;
              const [debitAccount, creditAccount] = debit.isPositive() ? [peer, code] : [code, peer];
              const amount = formatAmount(debit.abs(), 2);
              await ledger.transfer({ idempotencyKey, debitAccount, creditAccount, amount }, ctx).catch(refused);
            };
            for (const [i, s] of steps.entries()) {
              clock.now += 1000;
              if (s.late && !opened.includes(ACCOUNTS[5]!)) {
                opened.push(ACCOUNTS[5]!);
                await ledger.openAccount(
                  { code: ACCOUNTS[5]!.code, name: 'fees', type: 'REVENUE', currency: 'USD' },
                  ctx,
                );
                continue;
              }
              const from = opened[s.from % opened.length]!;
              const peers = opened.filter((a) => a.currency === from.currency && a !== from);
              if (peers.length === 0) continue;
              const to = peers[s.to % peers.length]!;
              if (s.status !== null) {
                // Only a zero balance can be closed: first its whole balance moves to the peer.
                if (s.status === 'close') await settle(from.code, to.code, `z${i}`);
                const change = { freeze: 'freezeAccount', unfreeze: 'unfreezeAccount', close: 'closeAccount' } as const;
                await ledger[change[s.status]]({ code: from.code }, ctx).catch(refused);
                continue;
              }
              const amount = (s.cents / 100).toFixed(2);
              const entries = [
                { account: from.code, direction: 'DEBIT' as const, amount },
                { account: to.code, direction: 'CREDIT' as const, amount },
              ];
              const effectiveAt = at(Math.max(clock.now - s.backMs, START - 5 * 86_400_000));
              // Refused too: backdated before the late account opened.
              await ledger
                .postTransaction(
                  { idempotencyKey: `a${i}`, entries, effectiveAt: s.hold ? undefined : effectiveAt, pending: s.hold },
                  ctx,
                )
                .catch(refused);
            }
            const db = temp.database.db;
            const now = at(clock.now);
            const times = (await db.selectFrom('events').select(['recorded_at', 'effective_at']).execute())
              .flatMap((r) => [r.recorded_at, r.effective_at])
              .sort();
            const pickTime = (n: number | null) =>
              n === null ? now : times[Math.round((n / 1000) * (times.length - 1))]!;
            // accounts(filter) judges the status as it is now: the whole log's.
            const statusNow = new Map(
              [...(await foldBalances(db, now, Number.POSITIVE_INFINITY)).values()].map((a) => [a.code, a.status]),
            );
            for (const q of queries) {
              const asOf = pickTime(q.asOf);
              const cut = await reportCut(db, q.knownAt === null ? null : pickTime(q.knownAt), now);
              const isNow = asOf === now && cut.knownAt === now;
              const selector = checkSelector(q.selector);
              bulkTuning.directSumMaxEvents = q.directSumMaxEvents;
              const rows = await aggregateBalances(db, selector, q.level, asOf, cut, isNow ? now : null).finally(() => {
                bulkTuning.directSumMaxEvents = DIRECT_SUM_DEFAULT;
              });

              const inSelector = (code: string) =>
                'prefix' in q.selector
                  ? isAtOrBelow(code, q.selector.prefix)
                  : matchesPattern(q.selector.pattern, code);
              const selected = (await replay(db, asOf, cut.atPosition)).filter((m) => inSelector(m.code));
              const views = await getAccounts(
                db,
                selected.map((m) => m.code),
              );
              const expected = new Map<
                string,
                {
                  key: string;
                  currency: string;
                  debits: Amount;
                  credits: Amount;
                  posted: Amount;
                  pending: Amount;
                  accountCount: number;
                }
              >();
              for (const m of selected) {
                const key =
                  q.level === null
                    ? ((q.selector as { prefix?: string; pattern?: string }).prefix ??
                      (q.selector as { pattern: string }).pattern)
                    : m.code.split(':').slice(0, q.level).join(':');
                const id = `${key} ${m.currency}`;
                const row = expected.get(id) ?? {
                  key,
                  currency: m.currency,
                  debits: ZERO,
                  credits: ZERO,
                  posted: ZERO,
                  pending: ZERO,
                  accountCount: 0,
                };
                row.debits = row.debits.plus(m.debits);
                row.credits = row.credits.plus(m.credits);
                row.posted = row.posted.plus(postedBalance(m));
                if (isNow) row.pending = row.pending.plus(await pendingOf(db, views.get(m.code)!, now));
                row.accountCount += 1;
                expected.set(id, row);
              }
              const want = [...expected.values()]
                .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.currency < b.currency ? -1 : 1))
                .map((r) => ({
                  key: r.key,
                  currency: r.currency,
                  debits: formatAmount(r.debits, 2),
                  credits: formatAmount(r.credits, 2),
                  posted: formatAmount(r.posted, 2),
                  pending: formatAmount(r.pending, 2),
                  available: formatAmount(r.posted.minus(r.pending), 2),
                  accountCount: r.accountCount,
                }));
              expect(rows, JSON.stringify({ q, asOf, cut })).toEqual(want);
              // A prefix at now is answered by one statement (the rows above), not account by account.
              if (isNow && 'prefix' in q.selector)
                expect(await prefixSumsNow(db, q.selector.prefix, q.level, now, cut.atPosition)).not.toBeNull();

              // accounts(filter): every current account, its balance bound judged at the same times.
              const figures: Array<{
                account: Awaited<ReturnType<typeof listAccounts>>[number];
                posted: Amount;
                available: Amount;
              }> = [];
              const members = await replay(db, asOf, cut.atPosition);
              for (const account of await listAccounts(db, { limit: 1000 })) {
                const m = members.find((x) => x.code === account.code);
                const posted = m ? postedBalance(m) : ZERO;
                const pending = isNow ? await pendingOf(db, account, now) : '0';
                figures.push({ account, posted, available: posted.minus(pending) });
              }
              const values = [...new Set(figures.flatMap((f) => [f.posted.toFixed(), f.available.toFixed()]))].sort(
                (a, b) => new Amount(a).cmp(b),
              );
              const pick = (n: number | undefined) =>
                n === undefined ? undefined : values[Math.round((n / 1000) * (values.length - 1))];
              const bound = q.balance && {
                metric: q.balance.metric,
                gte: pick(q.balance.gte),
                lte: pick(q.balance.lte),
              };
              const filter = checkAccountFilter({
                ...q.selector,
                type: q.type,
                currency: q.currency,
                status: q.status,
                balance: bound,
              });
              const wantCodes = figures
                .filter(({ account, posted, available }) => {
                  const figure = bound?.metric === 'AVAILABLE' ? available : posted;
                  return (
                    inSelector(account.code) &&
                    (q.type === undefined || account.type === q.type) &&
                    (q.currency === undefined || account.currency === q.currency) &&
                    (q.status === undefined || q.status.includes(statusNow.get(account.code)!)) &&
                    (bound?.gte === undefined || figure.gte(bound.gte)) &&
                    (bound?.lte === undefined || figure.lte(bound.lte))
                  );
                })
                .map((f) => f.account.code)
                .sort();
              // The status filter met a frozen or closed account among those the selector reads.
              for (const [code, status] of statusNow)
                if (q.status && status !== 'OPEN' && inSelector(code)) seen[status] += 1;
              const gotCodes: string[] = [];
              let afterCode: string | undefined;
              for (;;) {
                const page = await searchAccounts(db, {
                  filter,
                  afterCode,
                  limit: 2,
                  asOf,
                  atPosition: cut.atPosition,
                  now: isNow ? now : null,
                });
                gotCodes.push(...page.slice(0, 2).map((a) => a.code));
                if (page.length <= 2) break;
                afterCode = page[1]!.code;
              }
              expect(gotCodes, JSON.stringify({ q, asOf, cut })).toEqual(wantCodes);
            }
          } finally {
            await temp.dispose();
          }
        },
      ),
      { numRuns: 25 },
    );
    expect(seen.FROZEN).toBeGreaterThan(0);
    expect(seen.CLOSED).toBeGreaterThan(0);
  }, 180_000);
});
