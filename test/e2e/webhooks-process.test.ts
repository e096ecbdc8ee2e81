/**
 * Webhooks across real `inkwell serve` processes, on SQLite and on PostgreSQL: the server is
 * killed with SIGKILL while a delivery is in flight and started again — every matching event
 * still arrives, in order, each signature verified with `standardwebhooks` — and two processes
 * on one database deliver one webhook one request at a time, in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { processApi } from '../support/api.js';
import { processDb, serve, type ProcessDb, type ServeProcess } from '../support/process.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const running: ServeProcess[] = [];
const databases: ProcessDb[] = [];
const receivers: Receiver[] = [];

/** Short timeouts and backoff so a restart resumes within seconds (the lease is timeout + 3 s). */
const FAST = {
  INKWELL_WEBHOOK_ALLOW_PRIVATE: 'true',
  INKWELL_WEBHOOK_TIMEOUT_MS: '1000',
  INKWELL_WEBHOOK_BACKOFF_BASE_MS: '50',
  INKWELL_WEBHOOK_BACKOFF_CAP_MS: '300',
  INKWELL_FEED_POLL_MS: '100',
};

async function start(db: ProcessDb): Promise<ServeProcess> {
  const server = await serve(db.file, { ...db.env, ...FAST });
  running.push(server);
  return server;
}

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  for (const db of databases.splice(0)) await db.dispose();
  for (const r of receivers.splice(0)) await r.stop();
});

async function setUp() {
  const db = await processDb();
  databases.push(db);
  const target = await startReceiver();
  receivers.push(target);
  const first = await start(db);
  const api = processApi(first.url);
  const created = await api.mutate(
    'createWebhook',
    { url: target.url, filter: { types: ['AccountOpened'], accountPrefix: 'assets' } },
    '... on WebhookWithSecret { secret webhook { id } }',
  );
  target.secrets.push(created.secret);
  return { db, target, first, api };
}

/** Opens accounts through `url`, one event each; answers the codes, in order. */
async function open(url: string, from: number, count: number): Promise<string[]> {
  const codes = Array.from({ length: count }, (_, i) => `assets:p${from + i}`);
  await processApi(url).openAccounts(codes.map((code) => ({ code, type: 'ASSET' })));
  return codes;
}

/** Acknowledged codes, duplicates (at least once) dropped by webhook-id as a receiver would. */
function deduplicated(target: Receiver): string[] {
  const seen = new Set<string>();
  const codes: string[] = [];
  for (const m of target.acknowledged) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    codes.push((m.body.data.data as { code: string }).code);
  }
  return codes;
}

const positionsInOrder = (target: Receiver) => {
  const positions = target.acknowledged.map((m) => m.body.data.position);
  // At least once: an event may come again, but never after a later one was acknowledged.
  for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThanOrEqual(positions[i - 1]!);
};

describe('webhooks across processes', () => {
  it('survives SIGKILL mid-delivery: the restarted server resends from the checkpoint', async () => {
    const { db, target, first } = await setUp();
    // The third request never gets an answer: the server is killed while it waits for one.
    target.behaviour = (n) => (n === 3 ? 'hang' : 'ok');
    const expected = await open(first.url, 1, 6);
    await target.waitFor(2);
    while (target.requests.length < 3) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    await first.exited;
    expect(target.acknowledged).toHaveLength(2);
    target.behaviour = () => 'ok';
    const second = await start(db);
    await target.waitFor(6, 30_000);
    expect(deduplicated(target)).toEqual(expected);
    positionsInOrder(target);
    // And it goes on with new events.
    const more = await open(second.url, 7, 2);
    await target.waitFor(8, 20_000);
    expect(deduplicated(target)).toEqual([...expected, ...more]);
  });

  it('delivers one webhook from one process at a time when two serve one database', async () => {
    const { db, target, first } = await setUp();
    await start(db);
    // A slow receiver: two processes racing would overlap their requests.
    target.answerDelayMs = 40;
    const expected = await open(first.url, 1, 12);
    await target.waitFor(12, 30_000);
    expect(deduplicated(target)).toEqual(expected);
    positionsInOrder(target);
    expect(target.maxInFlight).toBe(1);
  });
});
