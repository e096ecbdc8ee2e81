/** An unexpected failure is masked for the client and logged with the same request id. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import type { Logger } from '../../src/log.js';
import { startTestServer, type TestServer } from '../support/server.js';

const logged: Array<{ message: string; fields?: Record<string, unknown> }> = [];
const logger: Logger = { log: (_level, message, fields) => logged.push({ message, fields }) };
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({}, logger);
  // Opened by another writer: the server's ledger keeps nothing of it in memory, so it reads the stream.
  await new Ledger(server.database).openAccount(
    { code: 'assets:x', name: 'X', type: 'ASSET', currency: 'USD' },
    { actor: 'test', requestId: 'setup' },
  );
  // Corrupt the log behind the ledger's back: drop the refusal trigger, rewrite the event's type.
  if (server.database.dialect === 'sqlite') await sql`DROP TRIGGER events_no_update`.execute(server.database.db);
  else await sql`DROP TRIGGER events_no_update ON events`.execute(server.database.db);
  await sql`UPDATE events SET type = 'Mystery' WHERE position = 1`.execute(server.database.db);
});
afterAll(() => server.close());

describe('masked errors', () => {
  it('shows the client a generic message with the request id, and logs the cause under that id', async () => {
    const res = await server.gql(`{ account(code: "assets:x") { events { edges { node { type } } } } }`, undefined, {
      'x-request-id': 'req-masked-1',
    });
    expect(res.status).toBe(200);
    const error = res.body.errors![0]!;
    expect(error.message).toBe('Unexpected error. Quote request id req-masked-1 when reporting it.');
    expect(error.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-masked-1' });
    expect(JSON.stringify(res.body)).not.toMatch(/Mystery|position 1/);
    const entry = logged.find((l) => l.fields?.requestId === 'req-masked-1');
    // The log names what is wrong and where: an unknown event type at position 1.
    expect(entry?.fields?.error).toMatch(/event at position 1: unknown event type "Mystery"/);
  });

  it('refuses to post to an account whose stream cannot be decoded, without writing anything', async () => {
    const before = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM events`.execute(server.database.db);
    const res = await server.gql(
      `mutation { openAccount(input: { code: "assets:x", name: "X", type: ASSET, currency: "USD" }) { __typename } }`,
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const after = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM events`.execute(server.database.db);
    expect(Number(after.rows[0]!.n)).toBe(Number(before.rows[0]!.n));
  });
});
