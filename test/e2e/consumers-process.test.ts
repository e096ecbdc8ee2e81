/**
 * A durable consumer pulled by two real server processes on one database (issue 21, point 3,
 * "done when"): on SQLite both share one file, on PostgreSQL one schema. Two workers pull over
 * HTTP, one from each process, while events are posted; each acks what it got, except one batch
 * that a worker drops as if it had crashed. Every matching event is acknowledged, and no event is
 * handed out twice within one ack window: the dropped batch comes back only after its window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlAt, processDb, serve, type ProcessDb, type ServeProcess } from '../support/process.js';

const WINDOW_MS = 1500;
let db: ProcessDb;
const servers: ServeProcess[] = [];
let readerKey: string;

/** A GraphQL answer's data, or a thrown error quoting its errors. */
async function data(url: string, query: string, variables?: Record<string, unknown>, key?: string) {
  const body = await gqlAt(url, query, variables, key);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

beforeAll(async () => {
  db = await processDb();
  servers.push(await serve(db.file, db.env));
  servers.push(await serve(db.file, db.env));
  const [a] = servers;
  for (const [code, type] of [
    ['assets:cash', 'ASSET'],
    ['assets:watched', 'ASSET'],
    ['equity:owner', 'EQUITY'],
  ])
    await data(
      a!.url,
      `mutation { openAccount(input: { code: "${code}", name: "${code}", type: ${type}, currency: "USD" }) { __typename } }`,
    );
  const created = await data(
    a!.url,
    'mutation { createApiKey(input: { name: "puller", role: reader }) { ... on CreatedApiKey { secret } } }',
  );
  readerKey = created.createApiKey.secret;
  const consumer = await data(
    a!.url,
    `mutation { createConsumer(input: { name: "workers", ackTimeoutMs: ${WINDOW_MS}, filter: { types: ["TransactionPosted"], accountPrefix: "assets:watched" } }) { __typename } }`,
  );
  expect(consumer.createConsumer.__typename).toBe('Consumer');
}, 90_000);

afterAll(async () => {
  for (const server of servers) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  await db?.dispose();
});

interface Handout {
  worker: number;
  positions: number[];
  through: number;
  leaseExpiresAt: string;
  deliveries: number;
}

const PULL = `{ consumerEvents(name: "workers", first: 5) { __typename
  ... on ConsumerBatch { throughPosition leaseExpiresAt deliveries events { position } } } }`;
const ACK = 'mutation($p: Int!) { ackConsumer(input: { name: "workers", position: $p }) { __typename } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a consumer pulled by two processes', () => {
  it('loses no event, and hands none out twice within one ack window', async () => {
    const handouts: Handout[] = [];
    const acked = new Set<number>();
    let writing = true;
    let dropped = false;
    const writer = (async () => {
      for (let i = 0; i < 40; i++) {
        const server = servers[i % 2]!;
        const from = i % 3 === 0 ? 'assets:cash' : 'assets:watched';
        await data(
          server.url,
          `mutation { transfer(input: { idempotencyKey: "w-${i}", debitAccount: "${from}", creditAccount: "equity:owner", amount: "1.00" }) { __typename } }`,
        );
      }
      writing = false;
    })();
    const worker = async (index: number) => {
      const url = servers[index]!.url;
      let idle = 0;
      // Done once the writer is done and the consumer has nothing out: several empty pulls in a row
      // past the window (a dropped batch comes back within one window).
      while (writing || idle * 100 < WINDOW_MS * 2) {
        const batch = (await data(url, PULL, undefined, readerKey)).consumerEvents;
        expect(batch.__typename).toBe('ConsumerBatch');
        if (batch.events.length === 0) {
          idle++;
          await sleep(100);
          continue;
        }
        idle = 0;
        const positions = batch.events.map((e: { position: number }) => e.position);
        handouts.push({ worker: index, positions, through: batch.throughPosition, ...batch });
        if (!dropped && index === 1) {
          dropped = true; // as if this worker died with the batch: never acked
          continue;
        }
        const answer = (await data(url, ACK, { p: batch.throughPosition }, readerKey)).ackConsumer;
        expect(answer.__typename).toBe('Consumer');
        for (const p of positions) acked.add(p);
      }
    };
    await Promise.all([writer, worker(0), worker(1)]);

    // Every matching event, read from the log independently of the filter code.
    const database = await db.open();
    const rows = await database.db
      .selectFrom('events')
      .select(['position', 'type', 'data'])
      .orderBy('position')
      .execute();
    await database.close();
    const matching = rows
      .filter((r) => r.type === 'TransactionPosted' && r.data.includes('"account":"assets:watched"'))
      .map((r) => Number(r.position));
    expect(matching.length).toBe(2 * 26); // 26 watched transfers, one event on each of two accounts
    expect([...acked].sort((a, b) => a - b)).toEqual(matching);

    // Both processes handed out events, and the dropped batch came back once, after its window.
    expect(new Set(handouts.map((h) => h.worker))).toEqual(new Set([0, 1]));
    expect(handouts.filter((h) => h.deliveries === 2).length).toBeGreaterThanOrEqual(1);
    expect(handouts.every((h) => h.deliveries <= 2)).toBe(true);
    // Within one window, no position is handed out twice: successive handouts of a position are
    // at least a window apart (each lease ends a window after it was handed out).
    const times = new Map<number, number[]>();
    for (const h of handouts)
      for (const p of h.positions) times.set(p, [...(times.get(p) ?? []), Date.parse(h.leaseExpiresAt)]);
    for (const [position, expiries] of times)
      for (let i = 1; i < expiries.length; i++)
        expect(expiries[i]! - expiries[i - 1]!, `position ${position}`).toBeGreaterThanOrEqual(WINDOW_MS);
    const redelivered = [...times.values()].filter((t) => t.length > 1).length;
    expect(redelivered).toBe(handouts.find((h) => h.deliveries === 2)!.positions.length);

    const [state] = (await data(servers[0]!.url, '{ consumers { name cursor lag inFlight handedOutThrough } }'))
      .consumers;
    expect(state).toMatchObject({ name: 'workers', inFlight: 0 });
    expect(state.cursor).toBe(state.handedOutThrough);
  });
});
