/**
 * Entry and transaction search equal brute force (issue 19): over random histories — backdated postings, holds
 * committed in part or voided, reversals, two currencies — every random filter at a random pinned
 * log position answers exactly the entries a scan of the event log finds, in log order both ways,
 * page after page with no skip or repeat while more is written, and totalCount is their number.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { postedLegs } from '../../src/domain/account.js';
import {
  checkSearchFilter,
  entryMatches,
  transactionMatches,
  type SearchFilter,
  type SearchFilterInput,
  type TransactionFacts,
} from '../../src/domain/filters.js';
import { countTransactions, searchTransactions } from '../../src/ledger/transaction-search.js';
import { Amount } from '../../src/domain/money.js';
import { decodeEvent } from '../../src/events/catalogue.js';
import { accountCodeOf, isAccountStream } from '../../src/events/streams.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { countEntries, searchEntries, type EntryKey, type SortOrder } from '../../src/ledger/search.js';
import { readHead, readLog } from '../../src/store/event-store.js';
import type { Db } from '../../src/store/db.js';
import { tempDatabase } from '../support/server.js';

const START = Date.parse('2026-03-01T00:00:00.000Z');
const ACCOUNTS = [
  { code: 'assets:bank:usd', type: 'ASSET' as const, currency: 'USD' },
  { code: 'liabilities:users:u1:wallet', type: 'LIABILITY' as const, currency: 'USD' },
  { code: 'liabilities:users:u2:wallet', type: 'LIABILITY' as const, currency: 'USD' },
  { code: 'liabilities:users:u2:savings', type: 'LIABILITY' as const, currency: 'USD' },
  { code: 'assets:bank:eur', type: 'ASSET' as const, currency: 'EUR' },
  { code: 'liabilities:users:u1:eur', type: 'LIABILITY' as const, currency: 'EUR' },
];
const USD = [0, 1, 2, 3];
const EUR = [4, 5];
const ctx = { actor: 'search', requestId: 'search' };
const at = (ms: number) => new Date(ms).toISOString();

const step = fc.record({
  kind: fc.constantFrom('post', 'post', 'hold', 'hold', 'settle', 'reverse'),
  eur: fc.boolean(),
  from: fc.nat(),
  to: fc.nat(),
  cents: fc.integer({ min: 1, max: 50_000 }),
  backMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 * 86_400_000 })),
  settle: fc.constantFrom('commit', 'partial', 'void', 'open'),
});

/** Times and amounts are picked among those the history has (a fraction into the sorted list), so bounds fall on them. */
const pick = fc.integer({ min: 0, max: 1000 });
const FIELDS = {
  account: fc.constantFrom(...ACCOUNTS.map((a) => a.code), 'assets:none'),
  accountPrefix: fc.constantFrom('assets', 'liabilities:users', 'liabilities:users:u2', 'assets:bank:eur'),
  accountPattern: fc.constantFrom(
    'liabilities:users:*:wallet',
    '**:eur',
    'assets:**',
    '*:*:usd',
    'liabilities:**:u2:*',
  ),
  effectiveFrom: pick,
  effectiveTo: pick,
  recordedFrom: pick,
  recordedTo: pick,
  status: fc.subarray(['PENDING', 'POSTED', 'VOIDED', 'EXPIRED'] as const),
  currency: fc.constantFrom('USD', 'EUR'),
  minAmount: pick,
  maxAmount: pick,
  idempotencyKey: fc.nat({ max: 30 }).map((n) => `k${n}`),
};

type Facts = Awaited<ReturnType<typeof scan>>;

/** The filter with its picks resolved against what the log holds. */
function resolve(raw: Record<string, unknown>, facts: Facts): SearchFilterInput {
  // With no entry yet (only holds), a bound still has to be a valid one.
  const among = (values: string[], n: unknown, order?: (a: string, b: string) => number, none = at(START)) => {
    const sorted = [...new Set(values)].sort(order);
    return sorted[Math.round(((n as number) / 1000) * (sorted.length - 1))] ?? none;
  };
  const filter: Record<string, unknown> = { ...raw };
  for (const field of ['effectiveFrom', 'effectiveTo'] as const)
    if (field in raw)
      filter[field] = among(
        facts.map((f) => f.effectiveAt),
        raw[field],
      );
  for (const field of ['recordedFrom', 'recordedTo'] as const)
    if (field in raw)
      filter[field] = among(
        facts.map((f) => f.recordedAt),
        raw[field],
      );
  for (const field of ['minAmount', 'maxAmount'] as const)
    if (field in raw)
      filter[field] = among(
        facts.map((f) => f.amount),
        raw[field],
        (a, b) => new Amount(a).cmp(b),
        '1',
      );
  return filter as SearchFilterInput;
}

/** Zero to three fields at once: more would almost always match nothing. */
const filterArb = fc
  .shuffledSubarray(Object.keys(FIELDS) as Array<keyof typeof FIELDS>, { maxLength: 3 })
  .chain((keys) =>
    fc.record(Object.fromEntries(keys.map((k) => [k, FIELDS[k]])) as Record<string, fc.Arbitrary<unknown>>),
  );

/** Every entry a scan of the log finds at `atPosition`, with what the filter reads. */
async function scan(db: Db, atPosition: number) {
  const keys = new Map<string, string>();
  const entries = [];
  for await (const stored of readLog(db, 0)) {
    if (stored.position > atPosition) break;
    if (!isAccountStream(stored.streamId)) continue;
    const event = decodeEvent(stored);
    if (event.type === 'TransactionPosted' || event.type === 'HoldPlaced')
      keys.set(event.data.transactionId, event.data.idempotencyKey);
    const code = accountCodeOf(stored.streamId);
    const legs = postedLegs(event as Parameters<typeof postedLegs>[0]) ?? [];
    for (const [legIndex, leg] of legs.entries()) {
      if (leg.account !== code) continue;
      const transactionId = (event.data as { transactionId: string }).transactionId;
      entries.push({
        position: stored.position,
        legIndex,
        accountCode: code,
        amount: leg.amount,
        currency: leg.currency,
        effectiveAt: stored.effectiveAt,
        recordedAt: stored.recordedAt,
        idempotencyKey: keys.get(transactionId)!,
      });
    }
  }
  return entries;
}

/** Every transaction as a scan of the log knows it at `atPosition`, in order of its first event. */
async function scanTransactions(db: Db, atPosition: number) {
  const views = new Map<string, TransactionFacts & { id: string; first: number }>();
  const settled = new Set<string>();
  for await (const stored of readLog(db, 0)) {
    if (stored.position > atPosition) break;
    if (!isAccountStream(stored.streamId)) continue;
    const event = decodeEvent(stored);
    const { effectiveAt, recordedAt } = stored;
    if ((event.type === 'TransactionPosted' || event.type === 'HoldPlaced') && !views.has(event.data.transactionId)) {
      const { transactionId: id, idempotencyKey, legs } = event.data;
      const status = event.type === 'HoldPlaced' ? 'PENDING' : 'POSTED';
      views.set(id, { id, idempotencyKey, legs, status, effectiveAt, recordedAt, first: stored.position });
    }
    if ((event.type === 'HoldCommitted' || event.type === 'HoldVoided') && !settled.has(event.data.transactionId)) {
      settled.add(event.data.transactionId);
      const view = views.get(event.data.transactionId)!;
      if (event.type === 'HoldVoided') view.status = 'VOIDED';
      else Object.assign(view, { status: 'POSTED', legs: event.data.legs, effectiveAt, recordedAt });
    }
  }
  return [...views.values()].sort((a, b) => a.first - b.first);
}

/** Every page of a search, `size` at a time, following the cursor keys. */
async function allPages(
  db: Db,
  filter: ReturnType<typeof checkSearchFilter>,
  atPosition: number,
  order: SortOrder,
  size: number,
) {
  const seen: EntryKey[] = [];
  let after: EntryKey | undefined;
  for (;;) {
    const rows = await searchEntries(db, { filter, atPosition, order, after, limit: size });
    seen.push(...rows.slice(0, size).map((r) => ({ position: r.position, legIndex: r.legIndex })));
    if (rows.length <= size) return seen;
    after = seen[seen.length - 1];
  }
}

/** A transaction as compared: which, in what state, with which legs, when. */
const shown = (t: { id: string; status: string; effectiveAt: string; legs: TransactionFacts['legs'] }) =>
  `${t.id} ${t.status} ${t.effectiveAt} ${t.legs.map((l) => `${l.account}=${l.amount}`).join(',')}`;

/** Every page of a transaction search, `size` at a time. */
async function allTransactionPages(
  db: Db,
  search: { filter: SearchFilter; atPosition: number; order: SortOrder; now: string },
  size: number,
) {
  const seen: string[] = [];
  let after: number | undefined;
  for (;;) {
    const rows = await searchTransactions(db, { ...search, after, limit: size });
    seen.push(...rows.slice(0, size).map(shown));
    if (rows.length <= size) return seen;
    after = rows[size - 1]!.firstPosition;
  }
}

async function play(
  ledger: Ledger,
  steps: Array<typeof step extends fc.Arbitrary<infer T> ? T : never>,
  clock: { now: number },
) {
  const posted: string[] = [];
  // Holds wait to be settled by a later step, so a position between placement and settlement is common.
  const open: Array<{ id: string; cents: number }> = [];
  for (const [i, s] of steps.entries()) {
    clock.now += 1000;
    const pool = s.eur ? EUR : USD;
    const [from, to] = [
      ACCOUNTS[pool[s.from % pool.length]!]!,
      ACCOUNTS[pool[(s.from + 1 + (s.to % (pool.length - 1))) % pool.length]!]!,
    ];
    const amount = (s.cents / 100).toFixed(2);
    const effectiveAt = at(clock.now - s.backMs);
    const key = `k${i}`;
    if (s.kind === 'reverse' && posted.length > 0) {
      await ledger
        .reverseTransaction({ idempotencyKey: key, transactionId: posted[s.from % posted.length]! }, ctx)
        .catch(() => undefined);
      continue;
    }
    if (s.kind === 'settle' && open.length > 0) {
      const hold = open.splice(s.from % open.length, 1)[0]!;
      if (s.settle === 'void') await ledger.voidPending({ transactionId: hold.id }, ctx);
      if (s.settle === 'commit' || s.settle === 'partial') {
        const part = s.settle === 'partial' ? { amount: (Math.max(1, hold.cents >> 1) / 100).toFixed(2) } : {};
        await ledger.commitPending({ idempotencyKey: `${key}-c`, transactionId: hold.id, ...part }, ctx);
      }
      continue;
    }
    const entries = [
      { account: from.code, direction: 'DEBIT' as const, amount },
      { account: to.code, direction: 'CREDIT' as const, amount },
    ];
    const pending = s.kind === 'hold';
    const id = await ledger.postTransaction({ idempotencyKey: key, entries, effectiveAt, pending }, ctx);
    if (pending) open.push({ id, cents: s.cents });
    else posted.push(id);
  }
}

describe('entry and transaction search equal a scan of the log', () => {
  it('answers every filter at every pinned position, in order, paged without skip or repeat', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 3, maxLength: 25 }),
        fc.array(
          fc.tuple(
            filterArb,
            fc.integer({ min: 0, max: 1000 }),
            fc.constantFrom<SortOrder>('ASC', 'DESC'),
            fc.integer({ min: 1, max: 7 }),
          ),
          { minLength: 3, maxLength: 8 },
        ),
        async (steps, queries) => {
          const temp = await tempDatabase();
          const clock = { now: START };
          const ledger = new Ledger(temp.database, { clock: () => new Date(clock.now) });
          try {
            for (const a of ACCOUNTS)
              await ledger.openAccount(
                {
                  code: a.code,
                  name: a.code,
                  type: a.type,
                  currency: a.currency,
                  effectiveAt: at(START - 30 * 86_400_000),
                },
                ctx,
              );
            await play(ledger, steps, clock);
            const db = temp.database.db;
            const head = (await readHead(db))?.position ?? 0;
            for (const [input, where, order, size] of queries) {
              const atPosition = Math.round((where / 1000) * head);
              const facts = await scan(db, atPosition);
              const filter = checkSearchFilter(resolve(input, await scan(db, head)));
              const expected = facts.filter((e) => entryMatches(filter, e));
              const keys = expected.map((e) => ({ position: e.position, legIndex: e.legIndex }));
              if (order === 'DESC') keys.reverse();
              // More is written between the pages: a pinned search does not see it.
              await ledger.transfer(
                {
                  idempotencyKey: `later-${atPosition}-${size}-${order}`,
                  debitAccount: 'assets:bank:usd',
                  creditAccount: 'liabilities:users:u1:wallet',
                  amount: '1.00',
                },
                ctx,
              );
              expect(await allPages(db, filter, atPosition, order, size)).toEqual(keys);
              expect(await countEntries(db, filter, atPosition)).toBe(expected.length);
              const now = at(clock.now);
              const transactions = (await scanTransactions(db, atPosition)).filter((v) =>
                transactionMatches(filter, v),
              );
              const ids = transactions.map(shown);
              if (order === 'DESC') ids.reverse();
              const search = { filter, atPosition, order, now };
              expect(await allTransactionPages(db, search, size)).toEqual(ids);
              expect(await countTransactions(db, search)).toBe(ids.length);
            }
          } finally {
            await temp.dispose();
          }
        },
      ),
      { numRuns: 15 },
    );
  }, 180_000);
});
