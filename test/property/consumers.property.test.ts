/**
 * Durable consumers under random histories (issue 21, point 3), on a real database: postings,
 * pulls of random sizes at random times, acks of random batches at random positions (in time or
 * late), then a drain. Checked against what the log holds, read independently of the filter code:
 * - every event handed out matches the filter, after the start, in order within its batch;
 * - no event is handed out twice within one ack window;
 * - an event acknowledged within its window is never handed out again;
 * - the cursor never moves back and never passes what was handed out;
 * - after the drain, every matching event was handed out and the cursor is past them all.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackConsumer, createConsumer, getConsumer, pullConsumer } from '../../src/ledger/consumers.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'consumers-property' };
const W = 1000;
let temp: TempDatabase;
let ledger: Ledger;
let runs = 0;

beforeAll(async () => {
  temp = await tempDatabase();
  ledger = new Ledger(temp.database);
  for (const code of ['assets:cash', 'assets:watched'])
    await ledger.openAccount({ code, name: code, type: 'ASSET', currency: 'USD' }, ctx);
  await ledger.openAccount({ code: 'equity:owner', name: 'O', type: 'EQUITY', currency: 'USD' }, ctx);
});
afterAll(() => temp.dispose());

type Op =
  | { kind: 'post'; watched: boolean }
  | { kind: 'pull'; first: number; wait: number }
  | { kind: 'ack'; batch: number; part: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('post' as const), watched: fc.boolean() }),
  fc.record({
    kind: fc.constant('pull' as const),
    first: fc.integer({ min: 1, max: 4 }),
    wait: fc.integer({ min: 0, max: 1500 }),
  }),
  fc.record({ kind: fc.constant('ack' as const), batch: fc.nat(), part: fc.nat() }),
);

interface Handout {
  positions: number[];
  at: number;
  expires: number;
}

async function matchingAfter(start: number): Promise<number[]> {
  const rows = await temp.database.db
    .selectFrom('events')
    .select(['position', 'type', 'data'])
    .where('position', '>', start)
    .orderBy('position')
    .execute();
  return rows
    .filter((r) => r.type === 'TransactionPosted' && r.data.includes('"account":"assets:watched"'))
    .map((r) => Number(r.position));
}

describe('a durable consumer under random pulls and acks', () => {
  it('hands out each matching event once per window, loses none, and never moves its cursor back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const name = `p-${++runs}`;
        const start = (await ledger.store.head())!.position;
        await createConsumer(
          temp.database,
          {
            name,
            filter: { types: ['TransactionPosted'], accountPrefix: 'assets:watched' },
            startPosition: start,
            ackTimeoutMs: W,
          },
          'test',
          new Date().toISOString(),
        );
        let now = Date.parse('2026-01-01T00:00:00Z');
        const handouts: Handout[] = [];
        const lastHanded = new Map<number, Handout>();
        const settled = new Set<number>();
        let cursor = start;

        const pull = async (first: number) => {
          const batch = await pullConsumer(temp.database, name, first, 30_000, now);
          const positions = batch.events.map((e) => e.position);
          if (positions.length === 0) return null;
          const matching = new Set(await matchingAfter(start));
          const handout = { positions, at: now, expires: Date.parse(batch.leaseExpiresAt!) };
          expect(handout.expires).toBe(now + W);
          expect(positions).toEqual([...positions].sort((a, b) => a - b));
          for (const p of positions) {
            expect(matching.has(p), `position ${p} matches`).toBe(true);
            expect(settled.has(p), `position ${p} was acknowledged in time`).toBe(false);
            const before = lastHanded.get(p);
            if (before)
              expect(now, `position ${p} handed out again within its window`).toBeGreaterThanOrEqual(before.expires);
            lastHanded.set(p, handout);
          }
          handouts.push(handout);
          return handout;
        };
        const ack = async (handout: Handout, position: number) => {
          const view = await ackConsumer(temp.database, name, position);
          // In time, and still this batch's lease: everything through the position is settled for good.
          const current = handout.positions.every((p) => lastHanded.get(p) === handout);
          if (now < handout.expires && current) for (const p of handout.positions) if (p <= position) settled.add(p);
          expect(view.cursor).toBeGreaterThanOrEqual(cursor);
          expect(view.cursor).toBeLessThanOrEqual(view.handedOutThrough);
          cursor = view.cursor;
        };

        for (const step of ops) {
          if (step.kind === 'post')
            await ledger.transfer(
              {
                idempotencyKey: `${name}-${handouts.length}-${Math.random()}`,
                debitAccount: step.watched ? 'assets:watched' : 'assets:cash',
                creditAccount: 'equity:owner',
                amount: '1.00',
              },
              ctx,
            );
          else if (step.kind === 'pull') {
            now += step.wait;
            await pull(step.first);
          } else if (handouts.length > 0) {
            const handout = handouts[step.batch % handouts.length]!;
            await ack(handout, handout.positions[step.part % handout.positions.length]!);
          }
        }

        // Drain: past every window, pull and ack each batch whole until nothing is out.
        for (let round = 0; round < 200; round++) {
          now += W;
          const handout = await pull(4);
          if (!handout) break;
          await ack(handout, handout.positions[handout.positions.length - 1]!);
        }
        const matching = await matchingAfter(start);
        expect([...lastHanded.keys()].sort((a, b) => a - b)).toEqual(matching);
        const view = (await getConsumer(temp.database.db, name))!;
        expect(view.inFlight).toBe(0);
        expect(view.cursor).toBe(view.handedOutThrough);
        expect(view.cursor).toBeGreaterThanOrEqual(matching[matching.length - 1] ?? start);
      }),
      { numRuns: 25 },
    );
  });
});
