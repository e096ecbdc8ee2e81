/**
 * (e) As-of latency: balance(asOf, knownAt) at random instants for accounts with 1k, 100k and
 * 1M events, beside a full replay of the largest. Histories are seeded as raw events, then
 * projected by the rebuild path (the append path's own projection code, in batches), because
 * posting a million transfers one by one would measure the write path, not the query.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountEvent } from '../src/domain/account.js';
import { canonicalJson } from '../src/domain/json.js';
import { encodeEvent } from '../src/events/catalogue.js';
import { GENESIS_HASH, chainHash, type StoredEvent } from '../src/events/envelope.js';
import { accountStream } from '../src/events/streams.js';
import { balanceAt } from '../src/ledger/as-of.js';
import { loadAccount } from '../src/ledger/load.js';
import { getAccounts } from '../src/ledger/queries.js';
import { DEFAULT_EPOCH_EVERY } from '../src/projections/as-of-index.js';
import { replayProjections } from '../src/projections/rebuild.js';
import { measureExport } from './export.js';
// A deterministic sequence, so every run measures the same history.
import { random } from '../test/support/random.js';
import type { Database } from '../src/store/db.js';
import { openSqlite } from '../src/store/sqlite.js';
import { migrateToLatest } from '../src/store/migrate.js';

const START = Date.parse('2024-01-01T00:00:00.000Z');
const METADATA = canonicalJson({
  actor: 'bench',
  requestId: 'bench',
  correlationId: 'bench',
  causationId: null,
  idempotencyKey: null,
  command: 'bench',
  clientAddress: null,
});

/**
 * The account `assets:hot` with `events` events: one posting a second of recorded time,
 * 2% backdated by up to a week, 1% a minute ahead, runs of identical timestamps.
 */
export async function seed(database: Database, events: number): Promise<{ first: number; last: number }> {
  const next = random(events);
  const streams = new Map<string, number>();
  let position = 0;
  let hash = GENESIS_HASH;
  let batch: StoredEvent[] = [];
  const flush = async () => {
    const rows = batch.map((e) => ({
      position: e.position,
      stream_id: e.streamId,
      version: e.version,
      type: e.type,
      schema_version: e.schemaVersion,
      data: e.data,
      metadata: e.metadata,
      recorded_at: e.recordedAt,
      effective_at: e.effectiveAt,
      transaction_id: e.transactionId,
      hash: e.hash,
    }));
    await database.write(async (trx) => {
      for (let i = 0; i < rows.length; i += 500)
        await trx
          .insertInto('events')
          .values(rows.slice(i, i + 500))
          .execute();
    });
    batch = [];
  };
  const append = (code: string, event: AccountEvent, recordedAt: string, transactionId: string | null) => {
    const version = (streams.get(code) ?? 0) + 1;
    streams.set(code, version);
    position += 1;
    const unhashed = {
      ...encodeEvent(event),
      metadata: METADATA,
      position,
      streamId: accountStream(code),
      version,
      recordedAt,
      effectiveAt: event.effectiveAt,
      transactionId,
    };
    hash = chainHash(hash, unhashed);
    batch.push({ ...unhashed, hash });
  };
  const opened = new Date(START - 30 * 86_400_000).toISOString();
  for (const [code, type] of [
    ['assets:hot', 'ASSET'],
    ['equity:other', 'EQUITY'],
  ] as const) {
    append(
      code,
      {
        type: 'AccountOpened',
        effectiveAt: opened,
        data: { code, name: code, type, currency: 'USD', minimumBalance: null, metadata: null },
      },
      opened,
      null,
    );
  }
  let clock = START;
  for (let i = 1; i < events; i++) {
    if (next() > 0.1) clock += 1000;
    const r = next();
    const effective = r < 0.02 ? clock - Math.floor(next() * 7 * 86_400_000) : r < 0.03 ? clock + 60_000 : clock;
    const amount = `${1 + Math.floor(next() * 999)}.${String(Math.floor(next() * 100)).padStart(2, '0')}`;
    const debit = next() < 0.6;
    const id = `bench-${i}`;
    const data = {
      transactionId: id,
      idempotencyKey: id,
      description: null,
      metadata: null,
      reverses: null,
      legs: [
        { account: 'assets:hot', direction: debit ? 'DEBIT' : 'CREDIT', amount, currency: 'USD' },
        { account: 'equity:other', direction: debit ? 'CREDIT' : 'DEBIT', amount, currency: 'USD' },
      ],
    } as const;
    const recordedAt = new Date(clock).toISOString();
    const effectiveAt = new Date(Math.max(effective, START - 30 * 86_400_000)).toISOString();
    for (const code of ['assets:hot', 'equity:other'])
      append(code, { type: 'TransactionPosted', effectiveAt, data: { ...data, legs: [...data.legs] } }, recordedAt, id);
    if (batch.length >= 20_000) await flush();
  }
  await flush();
  return { first: START - 30 * 86_400_000, last: clock + 60_000 };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface AsOfFigure {
  events: number;
  p50: number;
  p99: number;
  queries: number;
  replayMs?: number;
}

export async function measureAsOf(
  sizes: number[],
  queries: number,
  report: (name: string, value: number, unit: string, extra?: Record<string, unknown>) => void,
): Promise<void> {
  const figures: AsOfFigure[] = [];
  for (const events of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'inkwell-asof-'));
    const database = openSqlite(join(dir, 'asof.db'));
    try {
      await migrateToLatest(database);
      const seeded = Date.now();
      const span = await seed(database, events);
      const rebuilding = process.hrtime.bigint();
      const replayed = await database.write((trx) => replayProjections(trx, DEFAULT_EPOCH_EVERY));
      const rebuildSeconds = Number(process.hrtime.bigint() - rebuilding) / 1e9;
      const seedSeconds = (Date.now() - seeded) / 1000;
      // The read models and as-of indexes from the whole log (both sides of every transfer): what `inkwell rebuild` does.
      if (events === sizes[sizes.length - 1])
        report(`rebuild.read_models.${replayed}_events`, replayed / rebuildSeconds, 'events/s', {
          seconds: Number(rebuildSeconds.toFixed(1)),
        });
      const account = (await getAccounts(database.db, ['assets:hot'])).get('assets:hot')!;
      const next = random(7);
      const instant = () => new Date(span.first + Math.floor(next() * (span.last - span.first))).toISOString();
      for (let i = 0; i < 50; i++) await balanceAt(database.db, account, instant(), instant()); // warm up
      const times: number[] = [];
      for (let i = 0; i < queries; i++) {
        const asOf = instant();
        const knownAt = next() < 0.5 ? '9999-12-31T00:00:00.000Z' : instant();
        const t0 = process.hrtime.bigint();
        await balanceAt(database.db, account, asOf, knownAt);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      times.sort((a, b) => a - b);
      const figure: AsOfFigure = { events, p50: percentile(times, 50), p99: percentile(times, 99), queries };
      report(`as_of.balance.p50.${events}_events`, figure.p50, 'ms', { queries, seedSeconds });
      report(`as_of.balance.p99.${events}_events`, figure.p99, 'ms', { queries });
      if (events === sizes[sizes.length - 1]) {
        const t0 = process.hrtime.bigint();
        const state = await loadAccount(database.db, 'assets:hot', { useSnapshots: false });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (state.version !== events) throw new Error(`replayed ${state.version} events, expected ${events}`);
        report(`replay.full.${events}_events`, ms, 'ms', { eventsPerSecond: Math.round(events / (ms / 1000)) });
        await database.close();
        // The exports stream: peak memory stays flat whatever the size of the log.
        const file = join(dir, 'asof.db');
        const logSize = 2 * events; // each seeded transfer is one event on each of its two accounts
        await measureExport(
          file,
          `audit_trail_csv.${logSize}_events`,
          ['audit-trail', '--format', 'csv'],
          logSize,
          report,
        );
        const whole = ['--from', '0001-01-01T00:00:00Z', '--to', '9999-12-31T00:00:00Z'];
        await measureExport(
          file,
          `statement_csv.${events - 1}_lines`,
          ['account-statement', '--format', 'csv', '--account', 'assets:hot', ...whole],
          events - 1,
          report,
        );
      }
      figures.push(figure);
    } finally {
      await database.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const smallest = figures[0]!;
  const largest = figures[figures.length - 1]!;
  report(`as_of.balance.p50.ratio_${largest.events}_to_${smallest.events}`, largest.p50 / smallest.p50, 'ratio', {
    target: '<= 2',
  });
}
