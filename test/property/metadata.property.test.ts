/**
 * Metadata predicates equal brute force (issue 19, points 2 and 3): over random histories —
 * postings and holds with random metadata, later changes to a transaction's metadata and to an
 * account's, indexes declared before, during and after the history (so they are built from the
 * log while writes go on) — every random predicate at every random position answers exactly what
 * a scan of the event log finds, for transactions (with the metadata shown as it was there),
 * entries and accounts; a blue-green rebuild of an index answers the same.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAccountFilter, checkSearchFilter } from '../../src/domain/filters.js';
import type { JsonObject } from '../../src/domain/json.js';
import {
  indexedValue,
  metadataMatches,
  valueAt,
  type MetadataPredicateInput,
  type MetadataTarget,
} from '../../src/domain/metadata.js';
import { type Amount, formatAmount, ZERO } from '../../src/domain/money.js';
import { aggregateBalances, checkSelector, NO_VALUE_KEY } from '../../src/reports/aggregate.js';
import { reportCut } from '../../src/reports/cut.js';
import { searchAccounts } from '../../src/ledger/account-search.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { countEntries, searchEntries } from '../../src/ledger/search.js';
import { countTransactions, searchTransactions } from '../../src/ledger/transaction-search.js';
import { readHead } from '../../src/store/event-store.js';
import {
  declareMetadataIndex,
  indexesAt,
  indexName,
  metadataIndexSubscribers,
} from '../../src/subscribers/metadata-index.js';
import { SubscriberRunner } from '../../src/subscribers/runner.js';
import { foldBalances, postedBalance } from '../support/balances-fold.js';
import { scanMetadata as scan } from '../support/metadata-scan.js';
import { tempDatabase } from '../support/server.js';

const START = Date.parse('2026-03-01T00:00:00.000Z');
const ACCOUNTS = ['assets:bank', 'liabilities:u1', 'liabilities:u2', 'liabilities:u3'];
const ctx = { actor: 'metadata', requestId: 'metadata' };
const at = (ms: number) => new Date(ms).toISOString();

/** A small value space, so predicates often match: strings, a number, a boolean, an object. */
const value = fc.constantFrom<unknown>('a', 'b', 'c', 1, true, { x: 1 });
const metadataArb = fc.option(
  fc.record(
    { customer: fc.option(fc.record({ id: value }, { requiredKeys: [] }), { nil: undefined }), tag: value },
    {
      requiredKeys: [],
    },
  ),
  { nil: null },
);
const PATHS: Record<MetadataTarget, string[]> = { TRANSACTION: ['customer.id', 'tag'], ACCOUNT: ['tag'] };

const step = fc.oneof(
  fc.record({ kind: fc.constant('post' as const), from: fc.nat(), pending: fc.boolean(), metadata: metadataArb }),
  fc.record({
    kind: fc.constant('update' as const),
    which: fc.nat(),
    set: fc.option(fc.tuple(fc.constantFrom('customer.id', 'tag', 'other'), value), { nil: null }),
    unset: fc.subarray(['customer.id', 'tag', 'customer']),
  }),
  fc.record({ kind: fc.constant('account' as const), which: fc.nat(), metadata: metadataArb }),
  fc.record({ kind: fc.constant('settle' as const), which: fc.nat(), commit: fc.boolean() }),
  fc.record({
    kind: fc.constant('declare' as const),
    target: fc.constantFrom<MetadataTarget>('TRANSACTION', 'ACCOUNT'),
  }),
  fc.record({ kind: fc.constant('catchUp' as const) }),
);

const predicate = fc
  .tuple(fc.constantFrom('customer.id', 'tag'), fc.nat({ max: 2 }), fc.array(value, { minLength: 1, maxLength: 3 }))
  .map(([path, how, values]) =>
    how === 0 ? { path, eq: values[0] } : how === 1 ? { path, in: values } : { path, exists: values.length > 1 },
  );

/** A ledger on a fresh database with its own clock, and a runner that finds declared indexes. */
async function setUp(batchSize?: number) {
  const temp = await tempDatabase();
  const clock = { now: START };
  const ledger = new Ledger(temp.database, { clock: () => new Date(clock.now) });
  const runner = new SubscriberRunner(temp.database, ledger.commits, [], {
    batchSize,
    discover: metadataIndexSubscribers,
  });
  return { temp, clock, ledger, runner };
}

async function openAccounts(ledger: Ledger, metadataOf: (code: string) => JsonObject | null) {
  for (const code of ACCOUNTS)
    await ledger.openAccount(
      {
        code,
        name: code,
        type: code.startsWith('assets') ? 'ASSET' : 'LIABILITY',
        currency: 'USD',
        metadata: metadataOf(code),
        effectiveAt: at(START - 86_400_000),
      },
      ctx,
    );
}

describe('metadata predicates equal a scan of the log', () => {
  it('answers every predicate at every position, for transactions, entries and accounts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 3, maxLength: 30 }),
        fc.array(fc.tuple(fc.array(predicate, { minLength: 1, maxLength: 2 }), fc.integer({ min: 0, max: 1000 })), {
          minLength: 2,
          maxLength: 6,
        }),
        async (steps, queries) => {
          const { temp, clock, ledger, runner } = await setUp(7);
          const declare = async (target: MetadataTarget) => {
            for (const path of PATHS[target])
              await declareMetadataIndex(temp.database, { target, path }, { actor: 'test', now: at(clock.now) });
          };
          try {
            await openAccounts(ledger, (code) => ({ tag: code.length % 2 === 0 ? 'a' : 'b' }));
            const posted: string[] = [];
            const holds: string[] = [];
            for (const [i, s] of steps.entries()) {
              clock.now += 1000;
              if (s.kind === 'post') {
                const [debit, credit] = [ACCOUNTS[s.from % 4]!, ACCOUNTS[(s.from + 1) % 4]!];
                const id = await ledger.postTransaction(
                  {
                    idempotencyKey: `k${i}`,
                    pending: s.pending,
                    metadata: s.metadata,
                    entries: [
                      { account: debit, direction: 'DEBIT', amount: '1.00' },
                      { account: credit, direction: 'CREDIT', amount: '1.00' },
                    ],
                  },
                  ctx,
                );
                posted.push(id);
                if (s.pending) holds.push(id);
              }
              if (s.kind === 'update' && posted.length > 0) {
                const set = s.set ? { [s.set[0]]: s.set[1] } : undefined;
                const unset = s.unset.filter((p) => p !== s.set?.[0]);
                if (set || unset.length > 0)
                  await ledger.updateTransactionMetadata(
                    { transactionId: posted[s.which % posted.length]!, set, unset },
                    ctx,
                  );
              }
              if (s.kind === 'account')
                await ledger.updateAccount({ code: ACCOUNTS[s.which % 4]!, metadata: s.metadata }, ctx);
              if (s.kind === 'settle' && holds.length > 0) {
                const id = holds.splice(s.which % holds.length, 1)[0]!;
                if (s.commit) await ledger.commitPending({ idempotencyKey: `c${i}`, transactionId: id }, ctx);
                else await ledger.voidPending({ transactionId: id }, ctx);
              }
              if (s.kind === 'declare') await declare(s.target);
              if (s.kind === 'catchUp') await runner.catchUp();
            }
            // Declared after the history too: built from the log at once.
            await declare('TRANSACTION');
            await declare('ACCOUNT');
            await runner.catchUp();
            const db = temp.database.db;
            const head = (await readHead(db))?.position ?? 0;
            const check = async (predicates: MetadataPredicateInput[], atPosition: number) => {
              const facts = await scan(db, atPosition);
              const filter = checkSearchFilter({ metadata: predicates });
              const paths = filter.metadata!.map((p) => p.path);
              const indexes = await indexesAt(db, 'TRANSACTION', paths, atPosition, async () => false);
              const expected = facts.transactions.filter((t) => metadataMatches(filter.metadata!, t.metadata));
              const search = { filter, atPosition, now: at(clock.now), indexes };
              const found = await searchTransactions(db, { ...search, order: 'ASC', limit: 1000 });
              expect(found.map((t) => [t.id, t.metadata])).toEqual(expected.map((t) => [t.id, t.metadata]));
              expect(await countTransactions(db, search)).toBe(expected.length);
              const ids = new Set(expected.map((t) => t.id));
              const entries = facts.entries.filter((e) => ids.has(e.transactionId));
              const rows = await searchEntries(db, { filter, atPosition, order: 'ASC', limit: 10_000, indexes });
              expect(rows.map((r) => [r.position, r.legIndex])).toEqual(entries.map((e) => [e.position, e.legIndex]));
              expect(await countEntries(db, filter, atPosition, indexes)).toBe(entries.length);
              // Accounts opened after the position are listed as they are now (the listing is of today's accounts).
              const accountPredicates = predicates.filter((p) => p.path === 'tag');
              if (accountPredicates.length === 0 || atPosition < ACCOUNTS.length) return;
              const accountFilter = checkAccountFilter({ metadata: accountPredicates });
              const accountIndexes = await indexesAt(db, 'ACCOUNT', ['tag'], atPosition, async () => false);
              const accounts = await searchAccounts(db, {
                filter: accountFilter,
                limit: 100,
                asOf: at(clock.now),
                atPosition,
                now: null,
                indexes: accountIndexes,
              });
              const expectedAccounts = [...facts.accounts]
                .filter(([, metadata]) => metadataMatches(accountFilter.metadata!, metadata))
                .map(([code]) => code)
                .sort();
              expect(accounts.map((a) => a.code)).toEqual(expectedAccounts);
            };
            for (const [predicates, where] of queries) await check(predicates, Math.round((where / 1000) * head));
            // A blue-green rebuild answers the same.
            await runner.rebuild(indexName('TRANSACTION', 'customer.id'));
            await runner.rebuild(indexName('ACCOUNT', 'tag'));
            for (const [predicates, where] of queries.slice(0, 2))
              await check(predicates, Math.round((where / 1000) * head));
          } finally {
            await temp.dispose();
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 240_000);

  it('aggregates by a metadata selector and groups by a metadata path as known at knownAt', async () => {
    const accountStep = fc.record({ from: fc.nat(), cents: fc.integer({ min: 1, max: 9_999 }), tag: metadataArb });
    await fc.assert(
      fc.asyncProperty(
        fc.array(accountStep, { minLength: 2, maxLength: 20 }),
        fc.array(fc.tuple(fc.option(predicate, { nil: null }), fc.integer({ min: 0, max: 1000 })), {
          minLength: 2,
          maxLength: 5,
        }),
        async (steps, queries) => {
          const { temp, clock, ledger, runner } = await setUp();
          try {
            for (const path of ['tag', 'customer.id'])
              await declareMetadataIndex(temp.database, { target: 'ACCOUNT', path }, { actor: 'test', now: at(START) });
            await openAccounts(ledger, () => null);
            for (const [i, s] of steps.entries()) {
              clock.now += 1000;
              const amount = (s.cents / 100).toFixed(2);
              await ledger.transfer(
                {
                  idempotencyKey: `a${i}`,
                  debitAccount: 'assets:bank',
                  creditAccount: ACCOUNTS[1 + (s.from % 3)]!,
                  amount,
                },
                ctx,
              );
              await ledger.updateAccount({ code: ACCOUNTS[s.from % 4]!, metadata: s.tag }, ctx);
            }
            await runner.catchUp();
            const db = temp.database.db;
            const now = at(clock.now);
            for (const [where, when] of queries) {
              const knownAt = at(START + Math.round((when / 1000) * (clock.now - START)));
              const cut = await reportCut(db, knownAt, now);
              const selector = checkSelector(where ? { metadata: [where] } : { prefix: 'liabilities' });
              const paths = [...(selector.metadata ?? []).map((p) => p.path), 'tag'];
              const indexes = await indexesAt(db, 'ACCOUNT', paths, cut.atPosition, async () => false);
              const reads = { indexes, groupBy: { path: 'tag', index: indexes.get('tag')! } };
              const rows = await aggregateBalances(db, selector, null, now, cut, null, reads);
              // Brute force: the log up to the cut, every account's metadata and volumes there.
              const facts = await scan(db, cut.atPosition);
              const volumes = await foldBalances(db, now, cut.atPosition);
              const groups = new Map<string, { posted: Amount; accountCount: number }>();
              for (const [code, metadata] of facts.accounts) {
                const selected = where ? metadataMatches(selector.metadata!, metadata) : code.startsWith('liabilities');
                if (!selected) continue;
                const value = valueAt(metadata, 'tag');
                const key = value === undefined ? NO_VALUE_KEY : indexedValue(value);
                const group = groups.get(key) ?? { posted: ZERO, accountCount: 0 };
                group.posted = group.posted.plus(postedBalance(volumes.get(code)!));
                group.accountCount += 1;
                groups.set(key, group);
              }
              const want = [...groups]
                .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                .map(([key, g]) => ({ key, posted: formatAmount(g.posted, 2), accountCount: g.accountCount }));
              expect(
                rows.map((r) => ({ key: r.key, posted: r.posted, accountCount: r.accountCount })),
                JSON.stringify({ where, knownAt }),
              ).toEqual(want);
            }
          } finally {
            await temp.dispose();
          }
        },
      ),
      { numRuns: 10 },
    );
  }, 240_000);
});
