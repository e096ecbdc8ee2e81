/**
 * Money movement against a model: random sequences of transfers, holds, partial and full
 * commits, voids, expiries (a clock that moves), reversals and balance-bound changes, each
 * answered exactly as an independent model of the rules predicts (success or the typed error).
 * Then: no outflow ever left available below the bound, committed + released = held for every
 * hold, every reversal nets to zero, balances and pending equal the model, as-of answers equal a
 * brute-force replay, and the read models equal a rebuild.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signedOnNormalSide } from '../../src/domain/account.js';
import { Amount, ZERO } from '../../src/domain/money.js';
import { decodeAccountEvent } from '../../src/events/catalogue.js';
import { accountStream } from '../../src/events/streams.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { loadAccount } from '../../src/ledger/load.js';
import { balanceAt, getAccounts, pendingOf } from '../../src/ledger/queries.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { readStream } from '../../src/store/event-store.js';
import { tempDatabase } from '../support/server.js';

const WALLETS = ['liabilities:w1', 'liabilities:w2'] as const;
const BANK = 'assets:bank';
const START = Date.parse('2026-05-01T00:00:00.000Z');
const ctx = { actor: 'property', requestId: 'property' };

/** Cents as the exact decimal string the API takes. */
const money = (cents: number) =>
  `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

const op = fc.oneof(
  fc.record({ kind: fc.constant('out' as const), w: fc.nat(1), cents: fc.integer({ min: 1, max: 15_000 }) }),
  fc.record({ kind: fc.constant('in' as const), w: fc.nat(1), cents: fc.integer({ min: 1, max: 8_000 }) }),
  fc.record({
    kind: fc.constant('hold' as const),
    w: fc.nat(1),
    cents: fc.integer({ min: 1, max: 12_000 }),
    expiresInS: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
  }),
  fc.record({
    kind: fc.constant('commit' as const),
    pick: fc.nat(),
    part: fc.option(fc.double({ min: 0.01, max: 1, noNaN: true }), { nil: null }),
  }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('bound' as const), w: fc.nat(1), bound: fc.constantFrom(null, 0, -2_000, 1_000) }),
  fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 1, max: 90 }) }),
);

interface ModelHold {
  id: string;
  w: string;
  cents: number;
  expiresAt: number | null;
  status: 'open' | 'committed' | 'voided';
  committed: number;
}

interface ModelTx {
  id: string;
  /** Cents into the wallet (negative: out of it). */
  delta: number;
  w: string;
  reversedBy: string | null;
}

describe('money movement', () => {
  it('answers every command as the model predicts, and keeps every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 50 }), async (ops) => {
        const temp = await tempDatabase();
        let now = START;
        const ledger = new Ledger(temp.database, {
          clock: () => new Date(now),
          policy: { epochEvery: 3, snapshotEvery: 4 },
        });
        const posted = new Map<string, number>([
          [WALLETS[0], 0],
          [WALLETS[1], 0],
        ]);
        const bound = new Map<string, number | null>([
          [WALLETS[0], 0],
          [WALLETS[1], 0],
        ]);
        const holds: ModelHold[] = [];
        const txs: ModelTx[] = [];
        let key = 0;
        const iso = () => new Date(now).toISOString();
        /** Mostly an open hold (the interesting case), sometimes any, so that refusals are exercised too. */
        const pickHold = (pick: number) => {
          const open = holds.filter((h) => h.status === 'open');
          return pick % 3 !== 0 && open.length > 0 ? open[pick % open.length]! : holds[pick % holds.length]!;
        };
        const reserved = (w: string) =>
          holds
            .filter((h) => h.w === w && h.status === 'open' && (h.expiresAt === null || h.expiresAt > now))
            .reduce((s, h) => s + h.cents, 0);
        /** Whether an outflow of `cents` from w keeps available at or above the bound (except: a hold being spent). */
        const fits = (w: string, cents: number, except?: ModelHold) => {
          const b = bound.get(w)!;
          return b === null || posted.get(w)! - (reserved(w) - (except ? except.cents : 0)) - cents >= b;
        };
        const outcome = async (run: () => Promise<string>): Promise<{ id?: string; code?: string }> => {
          try {
            return { id: await run() };
          } catch (error) {
            const code = (error as { code?: string }).code;
            if (!code) throw error;
            return { code };
          }
        };
        try {
          await ledger.openAccount(
            {
              code: BANK,
              name: 'Bank',
              type: 'ASSET',
              currency: 'USD',
              effectiveAt: new Date(START - 86_400_000).toISOString(),
            },
            ctx,
          );
          for (const w of WALLETS) {
            await ledger.openAccount(
              {
                code: w,
                name: w,
                type: 'LIABILITY',
                currency: 'USD',
                minimumBalance: '0',
                effectiveAt: new Date(START - 86_400_000).toISOString(),
              },
              ctx,
            );
          }
          for (const o of ops) {
            now += 1000;
            if (o.kind === 'wait') {
              now += o.seconds * 1000;
              continue;
            }
            if (o.kind === 'bound') {
              const w = WALLETS[o.w]!;
              await ledger.changeMinimumBalance(
                { code: w, minimumBalance: o.bound === null ? null : money(o.bound) },
                ctx,
              );
              bound.set(w, o.bound);
              continue;
            }
            if (o.kind === 'out' || o.kind === 'in' || o.kind === 'hold') {
              const w = WALLETS[o.w]!;
              const outflow = o.kind !== 'in';
              const entries = [
                { account: w, direction: outflow ? 'DEBIT' : 'CREDIT', amount: money(o.cents) },
                { account: BANK, direction: outflow ? 'CREDIT' : 'DEBIT', amount: money(o.cents) },
              ] as const;
              const expiresAt = o.kind === 'hold' && o.expiresInS !== null ? now + o.expiresInS * 1000 : null;
              const result = await outcome(() =>
                ledger.postTransaction(
                  {
                    idempotencyKey: `k${++key}`,
                    entries: [...entries],
                    pending: o.kind === 'hold',
                    expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
                  },
                  ctx,
                ),
              );
              const predicted = !outflow || fits(w, o.cents);
              expect(result.code ?? 'OK', `${o.kind} ${money(o.cents)} on ${w}`).toBe(
                predicted ? 'OK' : 'INSUFFICIENT_FUNDS',
              );
              if (!result.id) continue;
              if (o.kind === 'hold')
                holds.push({ id: result.id, w, cents: o.cents, expiresAt, status: 'open', committed: 0 });
              else {
                posted.set(w, posted.get(w)! + (outflow ? -o.cents : o.cents));
                txs.push({ id: result.id, w, delta: outflow ? -o.cents : o.cents, reversedBy: null });
              }
              continue;
            }
            if (o.kind === 'commit' && holds.length > 0) {
              const h = pickHold(o.pick);
              const cents = o.part === null ? h.cents : Math.max(1, Math.floor(h.cents * o.part));
              const result = await outcome(() =>
                ledger.commitPending(
                  { idempotencyKey: `k${++key}`, transactionId: h.id, amount: o.part === null ? null : money(cents) },
                  ctx,
                ),
              );
              const expected =
                h.status !== 'open'
                  ? 'HOLD_NOT_PENDING'
                  : h.expiresAt !== null && h.expiresAt <= now
                    ? 'HOLD_EXPIRED'
                    : !fits(h.w, cents, h)
                      ? 'INSUFFICIENT_FUNDS'
                      : 'OK';
              expect(result.code ?? 'OK', `commit ${money(cents)} of ${money(h.cents)} (${h.status})`).toBe(expected);
              if (result.id) {
                h.status = 'committed';
                h.committed = cents;
                posted.set(h.w, posted.get(h.w)! - cents);
                txs.push({ id: h.id, w: h.w, delta: -cents, reversedBy: null });
              }
              continue;
            }
            if (o.kind === 'void' && holds.length > 0) {
              const h = pickHold(o.pick);
              const result = await outcome(() => ledger.voidPending({ transactionId: h.id }, ctx));
              expect(result.code ?? 'OK').toBe(h.status === 'committed' ? 'HOLD_NOT_PENDING' : 'OK');
              if (result.id) h.status = 'voided';
              continue;
            }
            if (o.kind === 'reverse' && txs.length > 0) {
              const t = txs[o.pick % txs.length]!;
              const result = await outcome(() =>
                ledger.reverseTransaction({ idempotencyKey: `k${++key}`, transactionId: t.id }, ctx),
              );
              // Reversing money that came in takes it out again: the bound applies.
              const expected =
                t.reversedBy !== null
                  ? 'TRANSACTION_ALREADY_REVERSED'
                  : t.delta > 0 && !fits(t.w, t.delta)
                    ? 'INSUFFICIENT_FUNDS'
                    : 'OK';
              expect(result.code ?? 'OK', `reverse ${money(t.delta)} on ${t.w}`).toBe(expected);
              if (result.id) {
                t.reversedBy = result.id;
                posted.set(t.w, posted.get(t.w)! - t.delta);
                txs.push({ id: result.id, w: t.w, delta: -t.delta, reversedBy: null });
              }
            }
          }

          const db = temp.database.db;
          const accounts = await getAccounts(db, [...WALLETS, BANK]);
          for (const w of WALLETS) {
            const account = accounts.get(w)!;
            expect(account.balance, w).toBe(money(posted.get(w)!));
            expect(await pendingOf(db, account, iso()), `${w} pending`).toBe(money(reserved(w)));
            // The command side's state holds exactly the open holds (expired ones stay until voided).
            const state = await loadAccount(db, w);
            const open = holds
              .filter((h) => h.w === w && h.status === 'open')
              .map((h) => h.id)
              .sort();
            expect(state.exists && Object.keys(state.holds).sort(), `${w} open holds`).toEqual(open);
          }
          // Double entry: the bank (an asset) holds what the wallets (liabilities) owe.
          expect(accounts.get(BANK)!.balance).toBe(money(posted.get(WALLETS[0])! + posted.get(WALLETS[1])!));
          // Committed + released = held; a voided or expired hold posted nothing.
          for (const h of holds) {
            const entries = await db
              .selectFrom('entries')
              .select('amount')
              .where('transaction_id', '=', h.id)
              .where('account_code', '=', h.w)
              .execute();
            expect(
              entries.map((e) => e.amount),
              `hold ${h.status}`,
            ).toEqual(h.status === 'committed' ? [money(h.committed)] : []);
            expect(h.committed + (h.cents - h.committed)).toBe(h.cents);
            expect(
              await db.selectFrom('holds').select('transaction_id').where('transaction_id', '=', h.id).execute(),
            ).toEqual(h.status === 'open' ? [{ transaction_id: h.id }, { transaction_id: h.id }] : []);
          }
          // Every reversal nets to zero on every account.
          for (const t of txs.filter((x) => x.reversedBy !== null)) {
            const rows = await db
              .selectFrom('entries')
              .select(['account_code', 'direction', 'amount'])
              .where('transaction_id', 'in', [t.id, t.reversedBy!])
              .execute();
            const net = new Map<string, Amount>();
            for (const r of rows)
              net.set(
                r.account_code,
                (net.get(r.account_code) ?? ZERO).plus(r.direction === 'DEBIT' ? r.amount : new Amount(r.amount).neg()),
              );
            for (const [code, sum] of net) expect(sum.isZero(), `reversal of ${t.id} on ${code}`).toBe(true);
          }
          // As-of equals a replay of the raw log, at instants across the whole history.
          for (const code of [...WALLETS, BANK]) {
            const account = accounts.get(code)!;
            const events = await readStream(db, accountStream(code));
            for (let i = 0; i <= 6; i++) {
              const asOf = new Date(START + ((now - START) * i) / 6).toISOString();
              const knownAt = new Date(START + ((now - START) * ((i * 5) % 7)) / 6).toISOString();
              let brute = ZERO;
              for (const stored of events) {
                if (stored.recordedAt > knownAt || stored.effectiveAt > asOf) continue;
                const event = decodeAccountEvent(stored);
                if (event.type !== 'TransactionPosted' && event.type !== 'HoldCommitted') continue;
                for (const leg of event.data.legs)
                  if (leg.account === code) brute = brute.plus(signedOnNormalSide(account.type, leg));
              }
              expect((await balanceAt(db, account, asOf, knownAt)).posted, `${code} at ${asOf} known ${knownAt}`).toBe(
                brute.toFixed(2),
              );
            }
          }
          const rebuilt = await rebuildReadModels(temp.database, { apply: false, epochEvery: 3 });
          expect(rebuilt.differences, rebuilt.differences.join('\n')).toEqual([]);
        } finally {
          await temp.dispose();
        }
      }),
      { numRuns: 40 },
    );
  });
});
