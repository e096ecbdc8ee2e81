/**
 * A client that goes away stops its read (issue 17, point 4). Over a real socket: the request's
 * signal, which yoga aborts when the connection closes, reaches the storage through the deadline
 * plugin the server uses (useDeadline), and the statement stops where it runs — its SQLite reader
 * thread terminated and replaced, its PostgreSQL backend cancelled — long before any time budget.
 * The resolver is the test's own (no API read runs forever on purpose); the path is the server's.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { useDeadline } from '../../src/graphql/deadline.js';
import { DeadlineExceeded } from '../../src/store/deadline.js';
import { TEST_DIALECT, tempDatabase, type TempDatabase } from '../support/server.js';

/** A statement that never ends by itself. */
const endless =
  TEST_DIALECT === 'sqlite'
    ? sql<{ n: number }>`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c`
    : sql<{ n: number }>`SELECT pg_sleep(600) AS n`;

let temp: TempDatabase;
let server: Server;
let url: string;
let started = 0;
let outcome: Promise<unknown> | null = null;

beforeAll(async () => {
  temp = await tempDatabase();
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { endless: Int, ping: String }',
      resolvers: {
        Query: {
          ping: () => 'pong',
          endless: () => {
            started += 1;
            const read = endless.execute(temp.database.db).then(() => 1);
            outcome = read.catch((error: unknown) => error);
            return read;
          },
        },
      },
    }),
    // A budget far beyond the test: only the disconnect can stop the read.
    plugins: [useDeadline(600_000)],
    logging: false,
  });
  server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await temp.dispose();
});

const post = (query: string, signal?: AbortSignal) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal,
  });

const runningSleeps = async () =>
  (
    await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(600)%' AND state = 'active'`.execute(
      temp.database.db,
    )
  ).rows[0]!.n;

it(`stops the read of a client that disconnects (${TEST_DIALECT})`, async () => {
  const client = new AbortController();
  const request = post('{ endless }', client.signal).catch((error: unknown) => error);
  await expect.poll(() => started, { timeout: 5000 }).toBe(1);
  if (TEST_DIALECT === 'postgres') await expect.poll(runningSleeps, { timeout: 5000 }).toBe(1);
  // The server is not held by the running read: another request is answered meanwhile.
  expect(await (await post('{ ping }')).json()).toEqual({ data: { ping: 'pong' } });

  const goneAt = performance.now();
  client.abort();
  expect(await request).toBeInstanceOf(Error); // the client's own side: it gave up
  expect(await outcome).toBeInstanceOf(DeadlineExceeded);
  expect(performance.now() - goneAt).toBeLessThan(2000);
  if (TEST_DIALECT === 'postgres') await expect.poll(runningSleeps, { timeout: 5000 }).toBe(0);
  // The storage serves reads again (on SQLite from a fresh thread in place of the stopped one).
  for (let i = 0; i < 4; i++)
    expect(await temp.database.db.selectFrom('events').select('position').limit(1).execute()).toEqual([]);
});
