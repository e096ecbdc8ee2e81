/**
 * Prices equal brute force (issue 22, point 1): over random prices of a few pairs, backdated and
 * corrected at the same instants, `priceAt(asOf, knownAt)`, its bulk form `pricesUpTo` and the
 * series `priceSeries` answer exactly what a scan of the event log gives — the PriceSet events
 * recorded by knownAt, the latest effectiveAt <= asOf winning, the later-recorded between two at
 * one instant — and a rebuild of the read model from the log finds no difference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/events/catalogue.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { pairKey, priceAt, pricesUpTo, priceSeries } from '../../src/ledger/prices.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import type { Db } from '../../src/store/db.js';
import { readLog } from '../../src/store/event-store.js';
import { tempDatabase } from '../support/server.js';

const START = Date.parse('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;
const PAIRS = [
  { base: 'EUR', quote: 'USD' },
  { base: 'USD', quote: 'EUR' },
  { base: 'BTC/8', quote: 'USD' },
];
const RATES = ['1', '1.1', '1.0850', '0.000000000000000001', '64250.123456789', '999999999999999999.5'];
const ctx = { actor: 'prices', requestId: 'prices' };
const at = (ms: number) => new Date(ms).toISOString();

const step = fc.record({
  pair: fc.nat({ max: PAIRS.length - 1 }),
  rate: fc.nat({ max: RATES.length - 1 }),
  // Few distinct back-offs on a whole-day grid: many prices share an instant (corrections).
  backDays: fc.nat({ max: 6 }),
});
const query = fc.record({
  pair: fc.nat({ max: PAIRS.length - 1 }),
  asOf: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 1000 })),
  knownAt: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 1000 })),
});

interface Known {
  base: string;
  quote: string;
  rate: string;
  effectiveAt: string;
  recordedAt: string;
  position: number;
}

/** Every PriceSet in the log, decoded straight from the events (not the read model). */
async function scan(db: Db): Promise<Known[]> {
  const out: Known[] = [];
  for await (const stored of readLog(db)) {
    const event = decodeEvent(stored);
    if (event.type !== 'PriceSet') continue;
    out.push({
      ...event.data,
      effectiveAt: stored.effectiveAt,
      recordedAt: stored.recordedAt,
      position: stored.position,
    });
  }
  return out;
}

/** The brute force: of the pair's events recorded by knownAt and effective by asOf, the greatest (effectiveAt, position). */
function bruteForce(events: Known[], base: string, quote: string, asOf: string, knownAt: string) {
  let best: Known | null = null;
  for (const e of events) {
    if (e.base !== base || e.quote !== quote || e.effectiveAt > asOf || e.recordedAt > knownAt) continue;
    if (!best || e.effectiveAt > best.effectiveAt || (e.effectiveAt === best.effectiveAt && e.position > best.position))
      best = e;
  }
  return best && { rate: best.rate, effectiveAt: best.effectiveAt, recordedAt: best.recordedAt };
}

describe('price(asOf, knownAt)', () => {
  it('equals a brute force over the PriceSet events', async () => {
    const seen = { found: 0, none: 0, corrected: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 25 }),
        fc.array(query, { minLength: 2, maxLength: 8 }),
        async (steps, queries) => {
          const temp = await tempDatabase();
          const clock = { now: START };
          const ledger = new Ledger(temp.database, { clock: () => new Date(clock.now) });
          try {
            for (const s of steps) {
              clock.now += 1000;
              const { base, quote } = PAIRS[s.pair]!;
              const effectiveAt = at(START - s.backDays * DAY);
              await ledger.setPrice({ base, quote, rate: RATES[s.rate]!, effectiveAt }, ctx);
            }
            const db = temp.database.db;
            const events = await scan(db);
            const instants = new Set(events.map((e) => `${e.base}:${e.quote}@${e.effectiveAt}`));
            if (instants.size < events.length) seen.corrected += 1;
            const now = at(clock.now);
            const times = events
              .flatMap((e) => [e.recordedAt, e.effectiveAt, at(Date.parse(e.effectiveAt) - 1)])
              .sort();
            const pickTime = (n: number | null) =>
              n === null ? now : times[Math.round((n / 1000) * (times.length - 1))]!;
            for (const q of queries) {
              const { base, quote } = PAIRS[q.pair]!;
              const asOf = pickTime(q.asOf);
              const knownAt = pickTime(q.knownAt);
              const want = bruteForce(events, base, quote, asOf, knownAt);
              const why = JSON.stringify({ q, asOf, knownAt });
              expect(await priceAt(db, { base, quote, asOf, knownAt }), why).toEqual(want);
              const bulk = await pricesUpTo(db, [...PAIRS, PAIRS[q.pair]!], asOf, knownAt);
              expect(bulk.size).toBe(PAIRS.length);
              for (const p of PAIRS)
                expect(bulk.get(pairKey(p.base, p.quote)), why).toEqual(
                  bruteForce(events, p.base, p.quote, asOf, knownAt),
                );
              // The series up to asOf ends with that same price, one per effective instant.
              const series = await priceSeries(db, {
                base,
                quote,
                from: '0001-01-01T00:00:00.000Z',
                to: asOf,
                knownAt,
              });
              const instantsSeen = series.map((p) => p.effectiveAt);
              expect(new Set(instantsSeen).size).toBe(instantsSeen.length);
              expect([...instantsSeen].sort()).toEqual(instantsSeen);
              for (const p of series)
                expect(p.rate, why).toBe(bruteForce(events, base, quote, p.effectiveAt, knownAt)!.rate);
              const last = series[series.length - 1];
              expect(
                last ? { rate: last.rate, effectiveAt: last.effectiveAt, recordedAt: last.recordedAt } : null,
              ).toEqual(want);
              if (want) seen.found += 1;
              else seen.none += 1;
            }
            expect((await rebuildReadModels(temp.database, { apply: false })).differences).toEqual([]);
          } finally {
            await temp.dispose();
          }
        },
      ),
      { numRuns: 20 },
    );
    expect(seen.found).toBeGreaterThan(0);
    expect(seen.none).toBeGreaterThan(0);
    expect(seen.corrected).toBeGreaterThan(0);
  }, 240_000);
});
