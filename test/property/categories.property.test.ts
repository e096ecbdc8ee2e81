/**
 * Categories equal brute force (issue 19, point 6): over random nested memberships added and
 * removed with backdated effective times, interleaved with backdated postings, `members(asOf,
 * knownAt)` and the category balance answer exactly what a fold of the event log gives — the
 * changes recorded by knownAt, the last per member in effective order winning at asOf, child
 * categories followed transitively — the membership graph is acyclic at every time asked, and a
 * rebuild of the read models from the log finds no difference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountType } from '../../src/domain/account.js';
import { LedgerError } from '../../src/domain/errors.js';
import { type Amount, formatAmount, ZERO } from '../../src/domain/money.js';
import { membersAt } from '../../src/ledger/categories.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { aggregateBalances } from '../../src/reports/aggregate.js';
import { reportCut } from '../../src/reports/cut.js';
import type { Db } from '../../src/store/db.js';
import { foldBalances, postedBalance } from '../support/balances-fold.js';
import { tempDatabase } from '../support/server.js';

const START = Date.parse('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;
const ACCOUNTS = [
  { code: 'assets:a', type: 'ASSET' as AccountType, currency: 'USD' },
  { code: 'assets:b', type: 'ASSET' as AccountType, currency: 'USD' },
  { code: 'assets:e', type: 'ASSET' as AccountType, currency: 'EUR' },
  { code: 'liabilities:l', type: 'LIABILITY' as AccountType, currency: 'USD' },
  { code: 'liabilities:m', type: 'LIABILITY' as AccountType, currency: 'EUR' },
];
const CATEGORIES = ['c0', 'c1', 'c2', 'c3'];
const ctx = { actor: 'categories', requestId: 'categories' };
const at = (ms: number) => new Date(ms).toISOString();

const step = fc.oneof(
  fc.record({
    kind: fc.constant('member' as const),
    add: fc.boolean(),
    category: fc.nat(),
    /** Below ACCOUNTS.length: an account; above: a child category. */
    member: fc.nat({ max: ACCOUNTS.length + CATEGORIES.length - 1 }),
    backMs: fc.integer({ min: 0, max: 20 * DAY }),
  }),
  fc.record({
    kind: fc.constant('post' as const),
    from: fc.nat(),
    to: fc.nat(),
    cents: fc.integer({ min: 1, max: 50_000 }),
    backMs: fc.integer({ min: 0, max: 20 * DAY }),
  }),
);

const query = fc.record({
  category: fc.nat({ max: CATEGORIES.length - 1 }),
  asOf: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 1000 })),
  knownAt: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 1000 })),
});

interface Change {
  category: string;
  member: string;
  added: boolean;
  effectiveAt: string;
  position: number;
}

/** The log up to `atPosition`, folded: every membership change, and each account's volumes effective by `asOf`. */
async function fold(db: Db, asOf: string, atPosition: number) {
  const changes: Change[] = [];
  const accounts = await foldBalances(db, asOf, atPosition, (stored, event) => {
    if (event.type !== 'CategoryMemberAdded' && event.type !== 'CategoryMemberRemoved') return;
    const data = event.data;
    changes.push({
      category: stored.streamId.slice('category:'.length),
      member: data.account !== null ? `a/${data.account}` : `c/${data.childCategory}`,
      added: event.type === 'CategoryMemberAdded',
      effectiveAt: stored.effectiveAt,
      position: stored.position,
    });
  });
  return { changes, accounts };
}

/** Direct members at `asOf`: per (category, member) the last change by (effectiveAt, position) at or before it. */
function direct(changes: Change[], asOf: string): Map<string, Set<string>> {
  const last = new Map<string, Change>();
  for (const c of changes) {
    if (c.effectiveAt > asOf) continue;
    const key = `${c.category} ${c.member}`;
    const seen = last.get(key);
    if (!seen || seen.effectiveAt < c.effectiveAt || (seen.effectiveAt === c.effectiveAt && seen.position < c.position))
      last.set(key, c);
  }
  const graph = new Map<string, Set<string>>();
  for (const c of last.values()) {
    if (!c.added) continue;
    if (!graph.has(c.category)) graph.set(c.category, new Set());
    graph.get(c.category)!.add(c.member);
  }
  return graph;
}

/** The accounts reachable from `category`; throws on a cycle (which must never be). */
function closure(graph: Map<string, Set<string>>, category: string, path: string[] = []): Set<string> {
  if (path.includes(category)) throw new Error(`cycle: ${[...path, category].join(' → ')}`);
  const accounts = new Set<string>();
  for (const member of graph.get(category) ?? []) {
    if (member.startsWith('a/')) accounts.add(member.slice(2));
    else for (const a of closure(graph, member.slice(2), [...path, category])) accounts.add(a);
  }
  return accounts;
}

describe('category members and balance', () => {
  it('equal a fold of the event log at every (asOf, knownAt)', async () => {
    // What the runs covered: a property that only ever saw empty categories would prove little.
    const seen = { nonEmpty: 0, nested: 0, cycles: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 4, maxLength: 30 }),
        fc.array(query, { minLength: 2, maxLength: 6 }),
        async (steps, queries) => {
          const temp = await tempDatabase();
          const clock = { now: START };
          const ledger = new Ledger(temp.database, { clock: () => new Date(clock.now) });
          try {
            for (const a of ACCOUNTS)
              await ledger.openAccount({ ...a, name: a.code, effectiveAt: at(START - 30 * DAY) }, ctx);
            for (const code of CATEGORIES) await ledger.createCategory({ code, name: code }, ctx);
            let cycles = 0;
            for (const [i, s] of steps.entries()) {
              clock.now += 1000;
              const effectiveAt = at(clock.now - s.backMs);
              // A refusal (a cycle, a non-member removed) writes nothing: the history stays valid.
              const refused = (error: unknown) => {
                if (!(error instanceof LedgerError)) throw error;
                if (error.code === 'CATEGORY_CYCLE') cycles += 1;
              };
              if (s.kind === 'member') {
                const category = CATEGORIES[s.category % CATEGORIES.length]!;
                const member =
                  s.member < ACCOUNTS.length
                    ? { account: ACCOUNTS[s.member]!.code }
                    : { childCategory: CATEGORIES[s.member - ACCOUNTS.length]! };
                const input = { category, ...member, effectiveAt };
                await (s.add ? ledger.addToCategory(input, ctx) : ledger.removeFromCategory(input, ctx)).catch(refused);
                continue;
              }
              const from = ACCOUNTS[s.from % ACCOUNTS.length]!;
              const peers = ACCOUNTS.filter((a) => a.currency === from.currency && a !== from);
              const to = peers[s.to % peers.length]!;
              const amount = (s.cents / 100).toFixed(2);
              await ledger
                .transfer(
                  { idempotencyKey: `p${i}`, debitAccount: from.code, creditAccount: to.code, amount, effectiveAt },
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
            for (const q of queries) {
              const category = CATEGORIES[q.category]!;
              const asOf = pickTime(q.asOf);
              const cut = await reportCut(db, q.knownAt === null ? null : pickTime(q.knownAt), now);
              const { changes, accounts } = await fold(db, asOf, cut.atPosition);
              const graph = direct(changes, asOf);
              // Acyclic at this time, from every category (closure throws on a cycle).
              for (const c of CATEGORIES) closure(graph, c);
              const want = [...closure(graph, category)].sort();
              const why = JSON.stringify({ q, asOf, cut, cycles });
              expect(await membersAt(db, category, asOf, cut.atPosition), why).toEqual(want);
              if (want.length > 0) seen.nonEmpty += 1;
              if ([...(graph.get(category) ?? [])].some((m) => m.startsWith('c/'))) seen.nested += 1;

              const isNow = asOf === now && cut.knownAt === now;
              const rows = await aggregateBalances(
                db,
                { prefix: null, pattern: null, category },
                null,
                asOf,
                cut,
                isNow ? now : null,
              );
              const expected = new Map<string, { debits: Amount; credits: Amount; posted: Amount; count: number }>();
              for (const code of want) {
                const a = accounts.get(code)!;
                if (a.openedAt > asOf) continue;
                const row = expected.get(a.currency) ?? { debits: ZERO, credits: ZERO, posted: ZERO, count: 0 };
                row.debits = row.debits.plus(a.debits);
                row.credits = row.credits.plus(a.credits);
                row.posted = row.posted.plus(postedBalance(a));
                row.count += 1;
                expected.set(a.currency, row);
              }
              const wantRows = [...expected.entries()]
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([currency, r]) => ({
                  key: category,
                  currency,
                  debits: formatAmount(r.debits, 2),
                  credits: formatAmount(r.credits, 2),
                  posted: formatAmount(r.posted, 2),
                  accountCount: r.count,
                }));
              // No holds here: pending is zero and available equals posted.
              expect(
                rows.map(({ pending, available, ...rest }) => {
                  expect(pending).toBe('0.00');
                  expect(available).toBe(rest.posted);
                  return rest;
                }),
                why,
              ).toEqual(wantRows);
            }
            seen.cycles += cycles;
            // The read models written live equal those a rebuild replays from the log.
            expect((await rebuildReadModels(temp.database, { apply: false })).differences).toEqual([]);
          } finally {
            await temp.dispose();
          }
        },
      ),
      { numRuns: 20 },
    );
    expect(seen.nonEmpty).toBeGreaterThan(0);
    expect(seen.nested).toBeGreaterThan(0);
    expect(seen.cycles).toBeGreaterThan(0);
  }, 240_000);
});
