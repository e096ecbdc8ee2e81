/**
 * Issue 19, point 7: searches and aggregates on a ledger of 1M entries over 10k accounts (quick:
 * 20k entries, 1k accounts). Seeded through the ledger in atomic batches of 1,000 transfers,
 * effective times spread over 60 days. Each figure is the median of repeated queries.
 */
import { checkSearchFilter } from '../src/domain/filters.js';
import { Ledger } from '../src/ledger/ledger.js';
import { countEntries, searchEntries } from '../src/ledger/search.js';
import { aggregateBalances, checkSelector } from '../src/reports/aggregate.js';
import { reportCut } from '../src/reports/cut.js';
import { readHead } from '../src/store/event-store.js';
import { searchTransactions } from '../src/ledger/transaction-search.js';
import { declareMetadataIndex, indexesAt, metadataIndexSubscribers } from '../src/subscribers/metadata-index.js';
import { SubscriberRunner } from '../src/subscribers/runner.js';
import type { Database } from '../src/store/db.js';
import type { BenchDialect } from './databases.js';
import { copySqliteToPostgres } from './copy-to-postgres.js';
import { type SeedInfo, sqliteCache, withSeededDatabase } from './seeded-cache.js';

type Report = (name: string, value: number, unit: string, extra?: Record<string, unknown>) => void;

const ctx = { actor: 'bench', requestId: 'bench' };
/** Customers in the seed's metadata: each seeded transaction belongs to one. */
const CUSTOMERS = 2_000;
const customerOf = (i: number) => `c${(i * 7) % CUSTOMERS}`;
const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

async function median(times: number, run: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

/** Accounts and entries: full size, quick, or BENCH_SEARCH_SIZE=accounts,entries (entries a multiple of 2,000). */
function size(quick: boolean): [number, number] {
  const asked = process.env.BENCH_SEARCH_SIZE?.split(',').map(Number);
  if (asked?.length === 2 && asked.every(Number.isSafeInteger)) return asked as [number, number];
  return quick ? [1_000, 20_000] : [10_000, 1_000_000];
}

export async function measureSearch(dialect: BenchDialect, quick: boolean, report: Report): Promise<void> {
  const [accounts, entries] = size(quick);
  const seed = async (database: Database): Promise<SeedInfo> => {
    const now = Date.now();
    const ledger = new Ledger(database);
    const code = (i: number) => `liabilities:users:u${i}:wallet`;
    for (let i = 0; i < accounts; i += 1000)
      await Promise.all(
        Array.from({ length: Math.min(1000, accounts - i) }, (_, j) =>
          ledger.openAccount(
            {
              code: code(i + j),
              name: `u${i + j}`,
              type: 'LIABILITY',
              currency: 'USD',
              effectiveAt: at(now - 90 * DAY),
            },
            ctx,
          ),
        ),
      );
    await ledger.openAccount(
      { code: 'assets:bank', name: 'bank', type: 'ASSET', currency: 'USD', effectiveAt: at(now - 90 * DAY) },
      ctx,
    );
    const seedStart = process.hrtime.bigint();
    for (let n = 0; n < entries / 2; n += 1000) {
      const batch = Array.from({ length: 1000 }, (_, k) => {
        const i = n + k;
        return {
          idempotencyKey: `seed-${i}`,
          effectiveAt: at(now - ((i * 7919) % (60 * 24)) * 3_600_000),
          // One of CUSTOMERS customers, scattered over the log and the accounts.
          metadata: { customer: { id: customerOf(i) } },
          entries: [
            { account: 'assets:bank', direction: 'DEBIT' as const, amount: `${1 + (i % 500)}.00` },
            { account: code((i * 31) % accounts), direction: 'CREDIT' as const, amount: `${1 + (i % 500)}.00` },
          ],
        };
      });
      await ledger.postTransactions(batch, ctx, { atomic: true });
    }
    // The index of customer.id, built from the log as a server would build it, kept with the seed.
    await declareMetadataIndex(
      database,
      { target: 'TRANSACTION', path: 'customer.id' },
      { actor: 'bench', now: at(now) },
    );
    const indexStart = process.hrtime.bigint();
    await new SubscriberRunner(database, ledger.commits, [], { discover: metadataIndexSubscribers }).catchUp();
    const indexedSeconds = Number(process.hrtime.bigint() - indexStart) / 1e9;
    return { now, seededSeconds: Number(process.hrtime.bigint() - seedStart) / 1e9, indexedSeconds };
  };
  const key = `search-${accounts}-${entries}-v2`;
  // PostgreSQL takes the rows of the SQLite seed when there is one (see copy-to-postgres.ts).
  const fromSqlite = dialect === 'postgres' ? sqliteCache(key) : null;
  const seedOrCopy = async (database: Database, location: string): Promise<SeedInfo> => {
    if (fromSqlite === null) return seed(database);
    await copySqliteToPostgres(fromSqlite.file, location);
    return fromSqlite.info;
  };
  await withSeededDatabase(
    dialect,
    key,
    seedOrCopy,
    async (database, seeded) => {
      const NOW = seeded.now;
      const db = database.db;
      const atPosition = (await readHead(db))?.position ?? 0;
      const conditions = {
        entries,
        accounts,
        seededIn: `${seeded.seededSeconds.toFixed(0)} s`,
        seedCached: seeded.cached,
      };

      // A filtered page: an account prefix (one user's accounts) and a 10-day effective window.
      const filter = checkSearchFilter({
        accountPrefix: 'liabilities:users:u1',
        effectiveFrom: at(NOW - 20 * DAY),
        effectiveTo: at(NOW - 10 * DAY),
      });
      const page = await median(quick ? 5 : 21, () =>
        searchEntries(db, { filter, atPosition, order: 'DESC', limit: 20 }),
      );
      report(`search.entries_page20_prefix_window.${dialect}`, page, 'ms p50', {
        ...conditions,
        target: '<= 5 (with one metadata key)',
      });
      const count = await median(quick ? 3 : 5, () => countEntries(db, filter, atPosition));
      report(`search.entries_total_count.${dialect}`, count, 'ms p50', { ...conditions, target: '<= 50' });

      // The same, and one metadata key: the page and count the issue names (point 7).
      const indexes = await indexesAt(db, 'TRANSACTION', ['customer.id'], atPosition, async () => false);
      const customer = customerOf(31);
      const withKey = checkSearchFilter({
        accountPrefix: 'liabilities:users:u1',
        effectiveFrom: at(NOW - 20 * DAY),
        effectiveTo: at(NOW - 10 * DAY),
        metadata: [{ path: 'customer.id', eq: customer }],
      });
      const keyed = { filter: withKey, atPosition, indexes };
      const metadataPage = await median(quick ? 5 : 21, () =>
        searchEntries(db, { ...keyed, order: 'DESC', limit: 20 }),
      );
      report(`search.entries_page20_prefix_window_metadata.${dialect}`, metadataPage, 'ms p50', {
        ...conditions,
        indexedIn: seeded.indexedSeconds === undefined ? undefined : `${seeded.indexedSeconds.toFixed(0)} s`,
        target: '<= 5',
      });
      const metadataCount = await median(quick ? 3 : 5, () => countEntries(db, withKey, atPosition, indexes));
      report(`search.entries_total_count_metadata.${dialect}`, metadataCount, 'ms p50', {
        ...conditions,
        target: '<= 50',
      });
      // A broad prefix with the key: the metadata index is the selective part.
      const broad = checkSearchFilter({
        accountPrefix: 'liabilities',
        effectiveFrom: at(NOW - 20 * DAY),
        effectiveTo: at(NOW - 10 * DAY),
        metadata: [{ path: 'customer.id', eq: customer }],
      });
      const broadPage = await median(quick ? 5 : 21, () =>
        searchEntries(db, { filter: broad, atPosition, indexes, order: 'DESC', limit: 20 }),
      );
      report(`search.entries_page20_broad_prefix_metadata.${dialect}`, broadPage, 'ms p50', conditions);
      const transactionsPage = await median(quick ? 5 : 21, () =>
        searchTransactions(db, { filter: broad, atPosition, indexes, order: 'DESC', limit: 20, now: at(Date.now()) }),
      );
      report(`search.transactions_page20_broad_prefix_metadata.${dialect}`, transactionsPage, 'ms p50', conditions);

      const selector = checkSelector({ prefix: 'liabilities' });
      const now = at(Date.now());
      const cutNow = await reportCut(db, null, now);
      const aggregateNow = await median(5, () => aggregateBalances(db, selector, 2, now, cutNow, now));
      report(`aggregate.balances_prefix_now.${dialect}`, aggregateNow, 'ms p50', { ...conditions, target: '<= 50' });
      const past = at(NOW - 30 * DAY);
      const aggregatePast = await median(5, () => aggregateBalances(db, selector, 2, past, cutNow, null));
      report(`aggregate.balances_prefix_past.${dialect}`, aggregatePast, 'ms p50', {
        ...conditions,
        target: '<= 1000',
      });
    },
    // The copy needs the SQLite cache's schema; the run migrates it forward.
    fromSqlite?.info.migrations,
  );
}
