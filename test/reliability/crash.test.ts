/**
 * Crash safety under load: the real server as a child process, concurrent transfers over HTTP,
 * SIGKILL at random moments (CRASH_ROUNDS, default 10), a restart on the same database each
 * time. Then: every acknowledged transfer is there exactly once and a retry with its key returns
 * it unchanged; no transfer is half-applied; debits equal credits; the read models equal a
 * rebuild; the hash chain verifies. A failure prints its seed (CRASH_SEED replays the timings).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Amount } from '../../src/domain/money.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { gqlAt, processDb, run, serve, type ProcessDb } from '../support/process.js';
import { random } from '../support/random.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 10);
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const ACCOUNTS = 6;
const CLIENTS = 8;
const TRANSFER =
  'mutation($input: TransferInput!) { transfer(input: $input) { __typename ... on Transaction { id } ... on Error { code } } }';

type Input = { idempotencyKey: string; debitAccount: string; creditAccount: string; amount: string };

let db: ProcessDb;
beforeAll(async () => {
  db = await processDb();
  const database = await db.open();
  const ledger = new Ledger(database);
  for (let i = 0; i < ACCOUNTS; i++)
    await ledger.openAccount(
      { code: `assets:a${i}`, name: `a${i}`, type: 'ASSET', currency: 'USD' },
      { actor: 'test', requestId: 'crash' },
    );
  await database.close();
});
afterAll(() => db.dispose());

describe(`crash safety (seed ${SEED}, ${ROUNDS} kills)`, () => {
  it('loses nothing acknowledged, half-applies nothing, posts nothing twice', async () => {
    const next = random(SEED);
    const attempted = new Map<string, Input>();
    const acknowledged = new Map<string, string>();
    let sequence = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const server = await serve(db.file, db.env);
      let alive = true;
      const client = async () => {
        while (alive) {
          const a = Math.floor(next() * ACCOUNTS);
          const input: Input = {
            idempotencyKey: `k${++sequence}`,
            debitAccount: `assets:a${a}`,
            creditAccount: `assets:a${(a + 1 + Math.floor(next() * (ACCOUNTS - 1))) % ACCOUNTS}`,
            amount: `${1 + Math.floor(next() * 500)}.${String(Math.floor(next() * 100)).padStart(2, '0')}`,
          };
          attempted.set(input.idempotencyKey, input);
          try {
            const body = await gqlAt(server.url, TRANSFER, { input });
            if (body.data?.transfer?.__typename === 'Transaction')
              acknowledged.set(input.idempotencyKey, body.data.transfer.id);
            else expect.fail(`a transfer was refused: ${JSON.stringify(body)}`);
          } catch (error) {
            if (alive) throw error; // only the kill may cut a request off
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, client);
      await new Promise((resolve) => setTimeout(resolve, 150 + next() * 600));
      server.child.kill('SIGKILL');
      alive = false;
      await server.exited;
      await Promise.all(clients);
    }
    expect(acknowledged.size, `seed ${SEED}: some transfers were acknowledged`).toBeGreaterThan(ROUNDS);
    // And some were cut off by a kill (sent, never answered): the cases this test is about.
    expect(attempted.size, `seed ${SEED}: some requests were in flight at a kill`).toBeGreaterThan(acknowledged.size);

    const server = await serve(db.file, db.env);
    try {
      // A retry of every acknowledged transfer with its key returns the first result, unchanged.
      for (const [key, id] of acknowledged) {
        const body = await gqlAt(server.url, TRANSFER, { input: attempted.get(key) });
        expect(body.data.transfer, `seed ${SEED}: retry of ${key}`).toEqual({ __typename: 'Transaction', id });
      }
      const database = await db.open();
      try {
        const transactions = await database.db.selectFrom('transactions').select(['id', 'idempotency_key']).execute();
        const byKey = new Map(transactions.map((t) => [t.idempotency_key, t.id]));
        // Present exactly once, with the id that was acknowledged; nothing posted that was never asked.
        for (const [key, id] of acknowledged) expect(byKey.get(key), `seed ${SEED}: ${key}`).toBe(id);
        expect(byKey.size).toBe(transactions.length);
        for (const key of byKey.keys()) expect(attempted.has(key), `seed ${SEED}: unknown key ${key}`).toBe(true);
        // Nothing half-applied: every transaction has its event and its entry on both accounts.
        const events = await database.db
          .selectFrom('events')
          .select(['transaction_id'])
          .where('transaction_id', 'is not', null)
          .execute();
        const entries = await database.db
          .selectFrom('entries')
          .select(['transaction_id', 'direction', 'amount'])
          .execute();
        const count = (rows: Array<{ transaction_id: string | null }>) =>
          rows.reduce(
            (m, r) => m.set(r.transaction_id!, (m.get(r.transaction_id!) ?? 0) + 1),
            new Map<string, number>(),
          );
        const [eventsOf, entriesOf] = [count(events), count(entries)];
        for (const { id } of transactions) {
          expect(eventsOf.get(id), `seed ${SEED}: events of ${id}`).toBe(2);
          expect(entriesOf.get(id), `seed ${SEED}: entries of ${id}`).toBe(2);
        }
        const sum = (side: string) =>
          entries.filter((e) => e.direction === side).reduce((s, e) => s.plus(e.amount), new Amount(0));
        expect(sum('DEBIT').toFixed(2)).toBe(sum('CREDIT').toFixed(2));
      } finally {
        await database.close();
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    // The read models equal a rebuild from the log, and the hash chain verifies.
    expect(run(['rebuild', '--check'], db.file, db.env)).toMatchObject({ status: 0 });
    expect(run(['verify'], db.file, db.env)).toMatchObject({ status: 0 });
  }, 600_000);
});
