/**
 * Property (issue 24): ledgers are isolated. Random transfers, postings, holds, captures and voids
 * (valid and invalid) across three ledgers of one deployment — `default` and two in namespaces of
 * their own, each ledger's commands run in order while the three ledgers run at the same time —
 * leave each ledger exactly as the same commands leave a separate fresh database: the same
 * outcome per command, the same balances, the same event count and the same log (type, stream,
 * version and data, with transaction ids numbered by first appearance), and a chain that verifies.
 * (Head hashes cannot be compared byte for byte: transaction ids are random UUIDs and recordedAt
 * is the clock's.) Nothing of one ledger shows in another. On SQLite and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/domain/errors.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { getAccounts } from '../../src/ledger/queries.js';
import { verifyIntegrity } from '../../src/reports/integrity.js';
import type { Database } from '../../src/store/db.js';
import { openLedgerStorage } from '../../src/store/namespaces.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const LEDGERS = 3;
const ACCOUNTS = ['assets:a0', 'assets:a1', 'assets:a2', 'equity:e'];
const ctx = { actor: 'property', requestId: 'ledgers' };

type Op =
  | { kind: 'transfer'; from: number; to: number; cents: number }
  | { kind: 'post'; legs: Array<{ account: number; cents: number }> }
  | { kind: 'hold'; from: number; to: number; cents: number }
  | { kind: 'commit'; hold: number; cents: number | null }
  | { kind: 'void'; hold: number };

const account = fc.integer({ min: 0, max: ACCOUNTS.length - 1 });
const cents = fc.integer({ min: 0, max: 5000 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('transfer' as const), from: account, to: account, cents }),
  fc.record({
    kind: fc.constant('post' as const),
    legs: fc.array(fc.record({ account, cents: fc.integer({ min: -3000, max: 3000 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
  }),
  fc.record({ kind: fc.constant('hold' as const), from: account, to: account, cents }),
  fc.record({ kind: fc.constant('commit' as const), hold: fc.nat(5), cents: fc.option(cents, { nil: null }) }),
  fc.record({ kind: fc.constant('void' as const), hold: fc.nat(5) }),
);

const money = (c: number) => (c / 100).toFixed(2);

/** Runs one ledger's commands in order; answers each one's outcome ("ok" or its error code). */
async function execute(ledger: Ledger, ops: Op[], tag: string): Promise<string[]> {
  const holds: string[] = [];
  const outcomes: string[] = [];
  for (const [i, o] of ops.entries()) {
    const key = `${tag}-${i}`;
    try {
      if (o.kind === 'transfer')
        await ledger.transfer(
          {
            idempotencyKey: key,
            debitAccount: ACCOUNTS[o.from]!,
            creditAccount: ACCOUNTS[o.to]!,
            amount: money(o.cents),
          },
          ctx,
        );
      else if (o.kind === 'post') {
        // Legs as given, and one that balances them on equity (an unbalanced posting when it is 0).
        const total = o.legs.reduce((sum, l) => sum + l.cents, 0);
        const legs = [...o.legs, { account: 3, cents: -total }].filter((l) => l.cents !== 0);
        await ledger.postTransaction(
          {
            idempotencyKey: key,
            entries: legs.map((l) => ({
              account: ACCOUNTS[l.account]!,
              direction: l.cents > 0 ? ('DEBIT' as const) : ('CREDIT' as const),
              amount: money(Math.abs(l.cents)),
            })),
          },
          ctx,
        );
      } else if (o.kind === 'hold')
        holds.push(
          await ledger.postTransaction(
            {
              idempotencyKey: key,
              pending: true,
              entries: [
                { account: ACCOUNTS[o.from]!, direction: 'DEBIT', amount: money(o.cents) },
                { account: ACCOUNTS[o.to]!, direction: 'CREDIT', amount: money(o.cents) },
              ],
            },
            ctx,
          ),
        );
      else if (holds.length === 0) {
        outcomes.push('no hold');
        continue;
      } else if (o.kind === 'commit')
        await ledger.commitPending(
          {
            idempotencyKey: key,
            transactionId: holds[o.hold % holds.length]!,
            amount: o.cents === null ? null : money(o.cents),
          },
          ctx,
        );
      else await ledger.voidPending({ transactionId: holds[o.hold % holds.length]! }, ctx);
      outcomes.push('ok');
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      outcomes.push(error.code);
    }
  }
  return outcomes;
}

async function openAccounts(ledger: Ledger): Promise<void> {
  for (const code of ACCOUNTS)
    await ledger.openAccount(
      { code, name: code, type: code.startsWith('assets') ? 'ASSET' : 'EQUITY', currency: 'USD' },
      ctx,
    );
}

/** What a ledger holds, comparable across databases: balances, event count, the log with ids numbered. */
async function contents(database: Database) {
  const accounts = await getAccounts(database.db, ACCOUNTS);
  const balances = ACCOUNTS.map((c) => {
    const a = accounts.get(c);
    return a ? { code: c, balance: a.balance, debits: a.debits, credits: a.credits, version: a.version } : null;
  });
  const rows = await database.db
    .selectFrom('events')
    .select(['position', 'type', 'stream_id', 'version', 'data'])
    .orderBy('position')
    .execute();
  const ids = new Map<string, number>();
  const numbered = (text: string) =>
    text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
      if (!ids.has(id)) ids.set(id, ids.size);
      return `tx#${ids.get(id)}`;
    });
  const log = rows.map((r) => ({
    position: Number(r.position),
    type: r.type,
    stream: r.stream_id,
    version: Number(r.version),
    data: numbered(typeof r.data === 'string' ? r.data : JSON.stringify(r.data)),
  }));
  const integrity = await verifyIntegrity(database.db);
  return {
    balances,
    events: rows.length,
    log,
    integrity: { ok: integrity.ok, eventsChecked: integrity.eventsChecked },
  };
}

/**
 * One deployment (default + two namespaces) and three reference databases for the whole property:
 * every run sends the same commands to both sides under keys of its own, so each side's history
 * is the same sequence of runs and the comparison covers everything written so far.
 */
let home: TempDatabase;
const references: TempDatabase[] = [];
const namespaces: Database[] = [];
let shared: Ledger[] = [];
let alone: Ledger[] = [];
let runs = 0;

beforeAll(async () => {
  home = await tempDatabase();
  for (let l = 1; l < LEDGERS; l++) namespaces.push(await openLedgerStorage(home.database, `p${l}`));
  for (let l = 0; l < LEDGERS; l++) references.push(await tempDatabase());
  shared = [home.database, ...namespaces].map((d) => new Ledger(d));
  alone = references.map((r) => new Ledger(r.database));
  for (const ledger of [...shared, ...alone]) await openAccounts(ledger);
});

afterAll(async () => {
  for (const database of namespaces) await database.close();
  for (const temp of [home, ...references]) await temp?.dispose();
});

describe('ledger isolation (property)', () => {
  it('each ledger of a deployment equals the same commands on a database of its own', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ledger: fc.nat(LEDGERS - 1), op }), { minLength: 1, maxLength: 24 }),
        async (commands) => {
          const run = ++runs;
          const perLedger = shared.map((_, l) => commands.filter((c) => c.ledger === l).map((c) => c.op));
          // The deployment: the three ledgers at once, each in its own order.
          const together = await Promise.all(
            shared.map((ledger, l) => execute(ledger, perLedger[l]!, `r${run}-k${l}`)),
          );
          for (let l = 0; l < LEDGERS; l++) {
            expect(await execute(alone[l]!, perLedger[l]!, `r${run}-k${l}`)).toEqual(together[l]);
            const [mine, reference] = await Promise.all([
              contents(shared[l]!.database),
              contents(references[l]!.database),
            ]);
            expect(mine).toEqual(reference);
            expect(mine.integrity.ok).toBe(true);
            // Nothing of another ledger: every transaction here carries this ledger's keys.
            const keys = await shared[l]!.database.db.selectFrom('transactions').select('idempotency_key').execute();
            expect(keys.filter((k) => !k.idempotency_key.includes(`-k${l}-`))).toEqual([]);
          }
        },
      ),
      { numRuns: 15 },
    );
  }, 180_000);
});
