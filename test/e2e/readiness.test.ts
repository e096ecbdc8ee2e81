/**
 * /ready on a real server: 200 with its checks when the database reads, every migration is
 * applied and the subscribers run; 503 naming the reason on a storage fault (a write refused as
 * read-only, on SQLite by its pragma, on PostgreSQL by the server's own error code) until a write
 * commits again, and on a missing migration until it is back. /health stays a liveness answer.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadinessProbe } from '../../src/http/readiness.js';
import { defaultSubscribers } from '../../src/subscribers/defaults.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const ctx = { actor: 'test', requestId: 'ready' };

const ready = async () => {
  const response = await server.raw({ path: '/ready' });
  return { status: response.status, body: await response.json() };
};

const transfer = (key: string) =>
  server.gql(
    `mutation { transfer(input: { idempotencyKey: "${key}", debitAccount: "assets:cash", creditAccount: "equity:owner", amount: "1.00" }) { __typename } }`,
  );

/** Makes every write fail as the database would when it cannot be written, or undoes it. */
async function readOnly(on: boolean): Promise<void> {
  const db = server.database.db;
  if (server.database.dialect === 'sqlite') {
    await server.database.pragma!(`query_only = ${on ? 'ON' : 'OFF'}`);
  } else if (on) {
    await sql`CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'cannot execute INSERT in a read-only transaction' USING ERRCODE = '25006'; END $$`.execute(
      db,
    );
    await sql`CREATE TRIGGER refuse_write BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_write()`.execute(
      db,
    );
  } else {
    await sql`DROP TRIGGER refuse_write ON events`.execute(db);
    await sql`DROP FUNCTION refuse_write()`.execute(db);
  }
}

beforeAll(async () => {
  server = await startTestServer();
  await server.ledger.openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET', currency: 'USD' }, ctx);
  await server.ledger.openAccount({ code: 'equity:owner', name: 'Owner', type: 'EQUITY', currency: 'USD' }, ctx);
});
afterAll(() => server.close());

describe('/ready', () => {
  it('answers 200 with every check when the server can serve', async () => {
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body).toEqual({
      ready: true,
      checks: { database: { ok: true }, migrations: { ok: true }, storage: { ok: true }, subscribers: { ok: true } },
    });
    const health = await server.raw({ path: '/health' });
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 after a storage fault, and 200 again once a write commits', async () => {
    await readOnly(true);
    try {
      const refused = await transfer('r-1');
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        fault: 'STORAGE_READ_ONLY',
      });
      const { status, body } = await ready();
      expect(status).toBe(503);
      expect(body.ready).toBe(false);
      expect(body.checks.storage.ok).toBe(false);
      expect(body.checks.storage.reason).toMatch(/^STORAGE_READ_ONLY at /);
      expect(body.checks.database).toEqual({ ok: true });
      const metrics = parsePrometheus(await (await server.raw({ path: '/metrics' })).text());
      expect(sampleValue(metrics, 'inkwell_storage_faults_total', { fault: 'STORAGE_READ_ONLY' })).toBe(1);
    } finally {
      await readOnly(false);
    }
    expect((await transfer('r-1')).body.data.transfer.__typename).toBe('Transaction');
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body.checks.storage).toEqual({ ok: true });
  });

  it('answers 503 while a migration of the code is not applied', async () => {
    const db = server.database.db;
    const { rows } = await sql<{
      name: string;
      timestamp: string;
    }>`SELECT name, timestamp FROM kysely_migration ORDER BY name DESC`.execute(db);
    const last = rows[0]!;
    await sql`DELETE FROM kysely_migration WHERE name = ${last.name}`.execute(db);
    try {
      const { status, body } = await ready();
      expect(status).toBe(503);
      expect(body.checks.migrations).toEqual({
        ok: false,
        reason: `migrations not applied: ${last.name} (run inkwell migrate)`,
      });
    } finally {
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${last.name}, ${last.timestamp})`.execute(db);
    }
    expect((await ready()).status).toBe(200);
  });

  it('is not ready while its subscribers do not run', async () => {
    const stopped = defaultSubscribers(server.ledger);
    const readiness = await new ReadinessProbe(server.ledger, stopped).check();
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.subscribers).toEqual({ ok: false, reason: 'the subscribers are not running' });
    stopped.start();
    expect((await new ReadinessProbe(server.ledger, stopped).check()).checks.subscribers).toEqual({ ok: true });
    await stopped.stop();
    expect((await new ReadinessProbe(server.ledger, stopped).check()).checks.subscribers.ok).toBe(false);
  });
});
