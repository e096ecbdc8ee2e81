/**
 * Money movement against a model: random sequences of transfers (some with balance conditions or
 * expected versions), "up to" transfers, holds, adjustments (raised and lowered), captures
 * (partial, several, final or not, too large), voids, expiries (a clock that moves, and the
 * sweeper recording them), reversals and changes of both balance bounds, each answered exactly as
 * the reference model (test/support/model.ts) predicts (success or the typed error). One wallet is
 * capped, so that raises and captures meet its maximum too. The same commands also go as mixed
 * executeBatch batches, atomic or not (later operations naming holds and postings of earlier ones
 * by ref), and one time in four a posting or a batch is first dry-run: the dry run answers as the
 * real call then does, writes nothing, and says the balances the call then leaves.
 * After every accepted command, no bound was crossed by it (read from the ledger's own state:
 * an outflow leaves available at or above the minimum, an inflow leaves the balance with what
 * holds bring in at or below the maximum). At the end: committed + released = held (placed and
 * raised) for every hold as the log records it, every reversal nets to zero, balances and pending
 * equal the model, as-of answers equal a brute-force replay, and the read models equal a rebuild.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceOf, incomingAt, reservedAt, signedOnNormalSide, type AccountEvent } from '../../src/domain/account.js';
import { Amount, ZERO } from '../../src/domain/money.js';
import { decodeAccountEvent } from '../../src/events/catalogue.js';
import { accountStream } from '../../src/events/streams.js';
import type { BatchOperationInput } from '../../src/ledger/commands/execute-batch.js';
import type { BatchRehearsal, Rehearsal } from '../../src/ledger/dry-run.js';
import { HoldSweeper } from '../../src/ledger/hold-sweeper.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { loadAccount } from '../../src/ledger/load.js';
import { balanceAt, getAccounts, pendingOf } from '../../src/ledger/queries.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { readStream } from '../../src/store/event-store.js';
import { logState } from '../support/log-state.js';
import { LedgerModel, money, type ModelHold, type ModelLeg } from '../support/model.js';
import { tempDatabase } from '../support/server.js';

const WALLETS = ['liabilities:w1', 'liabilities:w2'] as const;
const BANK = 'assets:bank';
const START = Date.parse('2026-05-01T00:00:00.000Z');
const ctx = { actor: 'property', requestId: 'property' };

/** `cents` out of `from` into `to`. */
const legsOf = (from: string, to: string, cents: number): ModelLeg[] => [
  { account: from, direction: 'DEBIT', amount: new Amount(money(cents)) },
  { account: to, direction: 'CREDIT', amount: new Amount(money(cents)) },
];
/** The wallet a hold holds on. */
const walletOf = (h: ModelHold) => h.legs[0]!.account;

/**
 * A hold's figures as its events on one account record them (its first leg's amount): placed,
 * raised by adjustments, committed by captures, released by lowerings and its settlement, and
 * what it still holds.
 */
function holdFigures(events: AccountEvent[]) {
  let [placed, raised, committed, released, held] = [ZERO, ZERO, ZERO, ZERO, ZERO];
  for (const event of events) {
    if (event.type === 'HoldPlaced') placed = held = new Amount(event.data.legs[0]!.amount);
    if (event.type === 'HoldAdjusted') {
      const next = new Amount(event.data.legs[0]!.amount);
      if (next.gt(held)) raised = raised.plus(next.minus(held));
      else released = released.plus(held.minus(next));
      held = next;
    }
    if (event.type === 'HoldCommitted') {
      const captured = new Amount(event.data.legs[0]!.amount);
      committed = committed.plus(captured);
      held = held.minus(captured);
    }
    if (
      (event.type === 'HoldCommitted' && event.data.final) ||
      event.type === 'HoldVoided' ||
      event.type === 'HoldExpired'
    ) {
      released = released.plus(held);
      held = ZERO;
    }
  }
  const f = (a: Amount) => a.toFixed(2);
  return { placed: f(placed), raised: f(raised), committed: f(committed), released: f(released), held: f(held) };
}

/** What a posting may ask besides its legs: a balance condition, or the version the client read (or a stale one). */
const precondition = fc.option(
  fc.oneof(
    fc.record({
      kind: fc.constant('condition' as const),
      on: fc.nat(2),
      metric: fc.constantFrom('POSTED' as const, 'PENDING' as const, 'AVAILABLE' as const),
      bound: fc.constantFrom('gte' as const, 'lte' as const, 'eq' as const),
      cents: fc.integer({ min: -5_000, max: 25_000 }),
    }),
    fc.record({ kind: fc.constant('version' as const), on: fc.nat(2), stale: fc.boolean() }),
  ),
  { nil: null },
);
/** A dry run first, one time in four (where the API has one). */
const dry = fc.nat(3).map((n) => n === 0);

/** A posting out of a wallet, or into one, of up to `max` cents. */
const moving = <K extends 'out' | 'in'>(kind: K, max: number) =>
  fc.record({ kind: fc.constant(kind), w: fc.nat(1), cents: fc.integer({ min: 1, max }), pre: precondition, dry });
const out = moving('out', 15_000);
const inflow = moving('in', 8_000);
const upTo = fc.record({
  kind: fc.constant('upTo' as const),
  w: fc.nat(1),
  out: fc.boolean(),
  cents: fc.integer({ min: 1, max: 15_000 }),
  dry,
});
const hold = fc.record({
  kind: fc.constant('hold' as const),
  w: fc.nat(1),
  cents: fc.integer({ min: 1, max: 12_000 }),
  expiresInS: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
  dry,
});
/** `part` above 1: more than the hold holds; null: all it holds. */
const part = fc.option(fc.double({ min: 0.01, max: 1.1, noNaN: true }), { nil: null });
const commit = fc.record({ kind: fc.constant('commit' as const), pick: fc.nat(), part, final: fc.boolean() });
const factor = fc.double({ min: 0.05, max: 4, noNaN: true });
const adjust = fc.record({ kind: fc.constant('adjust' as const), pick: fc.nat(), factor });
const voiding = fc.record({ kind: fc.constant('void' as const), pick: fc.nat() });
const reverse = fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() });
/** In a batch: acts on the latest hold (or posting, for a reversal) placed earlier in the same batch, by its ref. */
const then = fc.record({
  kind: fc.constant('then' as const),
  act: fc.constantFrom('commit' as const, 'adjust' as const, 'void' as const, 'reverse' as const),
  part,
  final: fc.boolean(),
  factor,
});
/** What executeBatch takes (holds and what acts on them weigh more: their rules are where most of the states are). */
const batchable = fc.oneof(
  out,
  inflow,
  upTo,
  { weight: 2, arbitrary: hold },
  { weight: 2, arbitrary: commit },
  { weight: 2, arbitrary: adjust },
  voiding,
  reverse,
  { weight: 3, arbitrary: then },
);
type Batchable = typeof batchable extends fc.Arbitrary<infer T> ? T : never;

const op = fc.oneof(
  out,
  inflow,
  upTo,
  fc.record({ kind: fc.constant('max' as const), w: fc.nat(1), bound: fc.constantFrom(null, 5_000, 20_000, -1_000) }),
  { weight: 2, arbitrary: hold },
  { weight: 2, arbitrary: commit },
  { weight: 2, arbitrary: adjust },
  fc.record({ kind: fc.constant('sweep' as const) }),
  voiding,
  reverse,
  fc.record({ kind: fc.constant('bound' as const), w: fc.nat(1), bound: fc.constantFrom(null, 0, -2_000, 1_000) }),
  fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 1, max: 90 }) }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      atomic: fc.boolean(),
      dry: fc.boolean(),
      items: fc.array(batchable, { minLength: 2, maxLength: 5 }),
    }),
  },
);

/** A check of the ledger's state, run once the ledger has answered (after a whole batch, in one). */
type Check = () => Promise<void>;
/** A command: the request (alone, as a batch operation, as a dry run) and what the model predicts. */
interface Command {
  what: string;
  /** Its name in a batch, for the operations after it. */
  ref?: string;
  op: BatchOperationInput;
  run(): Promise<string>;
  dryRun?: () => Promise<Rehearsal>;
  /**
   * Against the model as it stands at its turn: the answer, and (when accepted) what it does to
   * the model, with what to check in the ledger afterwards.
   */
  expect(): { outcome: string; apply?: (id: string) => Check | undefined };
}

describe('money movement', () => {
  it('answers every command as the model predicts, and keeps every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 50, size: 'medium' }), async (ops) => {
        const temp = await tempDatabase();
        const model = new LedgerModel(START);
        const ledger = new Ledger(temp.database, {
          clock: () => new Date(model.now),
          policy: { epochEvery: 3, snapshotEvery: 4 },
        });
        const sweeper = new HoldSweeper(ledger, { clock: () => new Date(model.now) });
        /** A capture or an adjustment of a hold no longer open, or past its expiry: the refusal. */
        const settledOrExpired = (id: string): string | null => {
          const h = model.holds.get(id)!;
          return model.settledPosted(id)
            ? 'HOLD_NOT_PENDING'
            : h.status === 'expired' || (h.status === 'open' && h.expiresAt !== null && h.expiresAt <= model.now)
              ? 'HOLD_EXPIRED'
              : h.status !== 'open'
                ? 'HOLD_NOT_PENDING'
                : null;
        };
        /** The transactions posted (a hold once committed), in the order they were: reversals pick from these. */
        const txs: string[] = [];
        let key = 0;
        const iso = () => new Date(model.now).toISOString();
        /** Mostly an open hold (the interesting case), sometimes any, so that refusals are exercised too. */
        const pickHold = (pick: number) => {
          const holds = [...model.holds.values()];
          const open = holds.filter((h) => h.status === 'open');
          return pick % 3 !== 0 && open.length > 0 ? open[pick % open.length]! : holds[pick % holds.length]!;
        };
        const db0 = () => temp.database.db;
        /**
         * No bound crossed by what was accepted, read from the ledger's own state: where the legs
         * took from an account, what it has available stays at or above its minimum; where they
         * brought in, its balance with what live holds bring in stays at or below its maximum.
         * (After a batch, its end state: each operation kept both, so the last state keeps them.)
         */
        const noBoundCrossed = async (legs: ModelLeg[]) => {
          for (const code of new Set(legs.map((l) => l.account))) {
            const state = await loadAccount(db0(), code);
            if (!state.exists) throw new Error(`${code} vanished`);
            const change = model.change(code, legs);
            const at = iso();
            if (change.isNegative() && state.minimumBalance !== null)
              expect(
                balanceOf(state).minus(reservedAt(state, at)).gte(state.minimumBalance),
                `${code} above its minimum`,
              ).toBe(true);
            if (change.gt(0) && state.maximumBalance !== null)
              expect(
                balanceOf(state).plus(incomingAt(state, at)).lte(state.maximumBalance),
                `${code} below its maximum`,
              ).toBe(true);
          }
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

        // ---- Commands: each request, and the model's answer to it at its turn ----------------

        const posting = (o: Extract<Batchable, { kind: 'out' | 'in' | 'hold' }>): Command => {
          const w = WALLETS[o.w]!;
          const outflow = o.kind !== 'in';
          const entries = [
            { account: w, direction: outflow ? 'DEBIT' : 'CREDIT', amount: money(o.cents) },
            { account: BANK, direction: outflow ? 'CREDIT' : 'DEBIT', amount: money(o.cents) },
          ] as const;
          const legs = outflow ? legsOf(w, BANK, o.cents) : legsOf(BANK, w, o.cents);
          const expiresAt = o.kind === 'hold' && o.expiresInS !== null ? model.now + o.expiresInS * 1000 : null;
          const pre = o.kind === 'hold' ? null : o.pre;
          const named = pre === null ? null : [...WALLETS, BANK][pre.on]!;
          const version = pre?.kind === 'version' ? model.account(named!).version - (pre.stale ? 1 : 0) : null;
          const input = {
            idempotencyKey: `k${++key}`,
            entries: [...entries],
            pending: o.kind === 'hold',
            expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
            conditions:
              pre?.kind === 'condition'
                ? [{ account: named!, metric: pre.metric, [pre.bound]: money(pre.cents) }]
                : null,
            expectedVersions: version === null ? null : [{ account: named!, version }],
          };
          // The ledger's order: the versions, then the bounds, then the conditions.
          const holds = (figure: Amount, bound: 'gte' | 'lte' | 'eq', cents: number) =>
            bound === 'gte'
              ? figure.gte(money(cents))
              : bound === 'lte'
                ? figure.lte(money(cents))
                : figure.eq(money(cents));
          return {
            what: `${o.kind} ${money(o.cents)} on ${w} (${JSON.stringify(pre)})`,
            op: { post: input },
            run: () => ledger.postTransaction(input, ctx),
            dryRun: () => ledger.dryRunTransaction(input, ctx),
            expect: () => ({
              outcome:
                version !== null && version !== model.account(named!).version
                  ? 'VERSION_MISMATCH'
                  : (model.refusal(legs) ??
                    (pre?.kind === 'condition' &&
                    !holds(model.figureAfter(named!, pre.metric, legs, o.kind === 'hold'), pre.bound, pre.cents)
                      ? 'BALANCE_CONDITION_FAILED'
                      : 'OK')),
              apply: (id) => {
                if (o.kind === 'hold') model.placeHold(id, legs, model.now, expiresAt);
                else {
                  model.post(id, legs, model.now);
                  txs.push(id);
                }
                return () => noBoundCrossed(legs);
              },
            }),
          };
        };
        const transferUpTo = (o: Extract<Batchable, { kind: 'upTo' }>): Command => {
          const w = WALLETS[o.w]!;
          const [from, to] = o.out ? [w, BANK] : [BANK, w];
          const input = {
            idempotencyKey: `k${++key}`,
            debitAccount: from,
            creditAccount: to,
            amount: money(o.cents),
            upTo: true,
          };
          return {
            what: `up to ${money(o.cents)} ${from} -> ${to}`,
            op: { transfer: input },
            run: () => ledger.transfer(input, ctx),
            dryRun: () => ledger.dryRunTransfer(input, ctx),
            expect: () => {
              const moved = model.upTo(from, to, new Amount(money(o.cents)));
              if (typeof moved === 'string') return { outcome: moved };
              const legs = [
                { account: from, direction: 'DEBIT' as const, amount: moved },
                { account: to, direction: 'CREDIT' as const, amount: moved },
              ];
              return {
                outcome: 'OK',
                apply: (id) => {
                  model.post(id, legs, model.now);
                  txs.push(id);
                  return async () => {
                    const entries = await db0()
                      .selectFrom('entries')
                      .select('amount')
                      .where('transaction_id', '=', id)
                      .execute();
                    expect(
                      entries.map((e) => e.amount),
                      `up to ${money(o.cents)}: what moved`,
                    ).toEqual([moved.toFixed(2), moved.toFixed(2)]);
                    await noBoundCrossed(legs);
                  };
                },
              };
            },
          };
        };
        /**
         * A capture of the hold `target()` names (null: a refused operation earlier in the batch),
         * asked in the request as `name`, which held `heldCents` when the request was made.
         */
        const capture = (
          o: { part: number | null; final: boolean },
          name: string,
          target: () => string | null,
          heldCents: number,
        ): Command => {
          const cents = o.part === null ? heldCents : Math.max(1, Math.floor(heldCents * o.part));
          const partial = o.part !== null;
          const input = {
            idempotencyKey: `k${++key}`,
            transactionId: name,
            amount: partial ? money(cents) : null,
            final: o.final,
          };
          return {
            what: `capture ${partial ? money(cents) : 'all'} of ${name} (final ${o.final})`,
            op: { commitPending: input },
            run: () => ledger.commitPending(input, ctx),
            expect: () => {
              const id = target();
              if (id === null) return { outcome: 'VALIDATION_ERROR' };
              const held = model.held(id);
              // Without an amount: all it holds at its turn.
              const amount = partial ? new Amount(money(cents)) : held;
              const left = held.minus(amount);
              const stays = o.final || !left.gt(0) ? [] : model.at(id, left);
              const outcome =
                settledOrExpired(id) ??
                (amount.gt(held) ? 'INVALID_AMOUNT' : (model.refusal(model.at(id, amount), id, stays) ?? 'OK'));
              return {
                outcome,
                apply: () => {
                  const legs = model.commit(id, partial ? amount : undefined, o.final);
                  if (model.holds.get(id)!.status === 'committed') txs.push(id);
                  return () => noBoundCrossed(legs);
                },
              };
            },
          };
        };
        const adjustment = (o: { factor: number }, name: string, target: () => string | null, heldCents: number) => {
          const cents = Math.max(1, Math.floor(heldCents * o.factor) || 1);
          const amount = new Amount(money(cents));
          const input = { transactionId: name, amount: money(cents) };
          return {
            what: `adjust ${name} to ${money(cents)}`,
            op: { adjustPending: input },
            run: () => ledger.adjustPending(input, ctx),
            expect: () => {
              const id = target();
              if (id === null) return { outcome: 'VALIDATION_ERROR' };
              const raised = amount.gt(model.held(id));
              return {
                outcome: settledOrExpired(id) ?? (raised ? (model.refusal(model.at(id, amount), id) ?? 'OK') : 'OK'),
                apply: () => {
                  model.adjust(id, amount);
                  // A raise is checked against both bounds: neither was crossed.
                  const legs = model.at(id, amount);
                  return raised ? () => noBoundCrossed(legs) : undefined;
                },
              };
            },
          } satisfies Command;
        };
        const voidHold = (name: string, target: () => string | null): Command => ({
          what: `void ${name}`,
          op: { voidPending: { transactionId: name } },
          run: () => ledger.voidPending({ transactionId: name }, ctx),
          expect: () => {
            const id = target();
            if (id === null) return { outcome: 'VALIDATION_ERROR' };
            // Voiding a voided hold, or one whose expiry is recorded, changes nothing; one that
            // posted (a final capture, or captures before its release) is no longer a hold.
            return {
              outcome: model.settledPosted(id) ? 'HOLD_NOT_PENDING' : 'OK',
              apply: () => {
                if (model.holds.get(id)!.status !== 'open') return undefined;
                model.void(id);
                if (model.settledPosted(id)) txs.push(id);
                return undefined;
              },
            };
          },
        });
        const reversal = (name: string, target: () => string | null): Command => {
          const input = { idempotencyKey: `k${++key}`, transactionId: name };
          return {
            what: `reverse ${name}`,
            op: { reverseTransaction: input },
            run: () => ledger.reverseTransaction(input, ctx),
            expect: () => {
              const id = target();
              if (id === null) return { outcome: 'VALIDATION_ERROR' };
              const t = model.transactions.get(id)!;
              // Reversing money that came in takes it out again: the bound applies.
              const legs = model.reversalOf(id);
              return {
                outcome: t.reversedBy !== null ? 'TRANSACTION_ALREADY_REVERSED' : (model.refusal(legs) ?? 'OK'),
                apply: (reversalId) => {
                  model.reverse(id, reversalId);
                  txs.push(reversalId);
                  return () => noBoundCrossed(legs);
                },
              };
            },
          };
        };
        const heldCents = (id: string) => model.held(id).times(100).toNumber();
        /** The command for `o`, on what the model holds now (null: nothing for it to act on yet). */
        const command = (o: Exclude<Batchable, { kind: 'then' }>): Command | null => {
          switch (o.kind) {
            case 'out':
            case 'in':
            case 'hold':
              return posting(o);
            case 'upTo':
              return transferUpTo(o);
            case 'commit':
            case 'adjust':
            case 'void': {
              if (model.holds.size === 0) return null;
              const id = pickHold(o.pick).id;
              if (o.kind === 'void') return voidHold(id, () => id);
              return o.kind === 'commit'
                ? capture(o, id, () => id, heldCents(id))
                : adjustment(o, id, () => id, heldCents(id));
            }
            case 'reverse': {
              if (txs.length === 0) return null;
              const id = txs[o.pick % txs.length]!;
              return reversal(id, () => id);
            }
          }
        };

        /** One command alone, after its dry run when asked: the dry run answers as it then does. */
        const runAlone = async (c: Command, dryFirst: boolean) => {
          let rehearsal: Rehearsal | undefined;
          let rehearsed: string | undefined;
          if (dryFirst && c.dryRun) {
            const before = await logState(db0());
            const answered = await outcome(async () => {
              rehearsal = await c.dryRun!();
              return 'rehearsed';
            });
            rehearsed = answered.code ?? 'OK';
            expect(await logState(db0()), `${c.what}: a dry run writes nothing`).toEqual(before);
          }
          const result = await outcome(() => c.run());
          const e = c.expect();
          expect(result.code ?? 'OK', c.what).toBe(e.outcome);
          if (rehearsed !== undefined) expect(rehearsed, `${c.what}: its dry run`).toBe(e.outcome);
          if (!result.id) return;
          await e.apply?.(result.id)?.();
          // What the dry run said the accounts would be is what they are.
          for (const [code, state] of rehearsal?.accounts ?? [])
            expect(state.exists && balanceOf(state).toFixed(2), `${c.what}: the dry run's balance of ${code}`).toBe(
              model.balance(code).toFixed(2),
            );
        };

        /**
         * A mixed batch, atomic or not, after its dry run when asked: the model takes its
         * operations in order (later ones naming earlier ones by ref), or none of them when it is
         * atomic and one is refused — then that one is named and every other is not posted.
         */
        const runBatch = async (b: Extract<(typeof ops)[number], { kind: 'batch' }>) => {
          const commands: Command[] = [];
          /** Each ref's transaction in the model, as the batch goes (null: refused). */
          const refs = new Map<string, string | null>();
          const target = (ref: string) => () => refs.get(ref) ?? null;
          for (const [j, item] of b.items.entries()) {
            let c: Command | null;
            if (item.kind === 'then') {
              const acts = item.act === 'reverse' ? ['out', 'in', 'upTo'] : ['hold'];
              const earlier = b.items.slice(0, j).findLastIndex((x) => acts.includes(x.kind));
              if (earlier < 0) continue;
              const ref = `op${earlier}`;
              const placed = b.items[earlier] as { cents: number };
              c =
                item.act === 'commit'
                  ? capture(item, ref, target(ref), placed.cents)
                  : item.act === 'adjust'
                    ? adjustment(item, ref, target(ref), placed.cents)
                    : item.act === 'void'
                      ? voidHold(ref, target(ref))
                      : reversal(ref, target(ref));
            } else {
              c = command(item);
              if (c) c = { ...c, ref: `op${j}`, op: { ...c.op, ref: `op${j}` } };
            }
            if (c) commands.push(c);
          }
          if (commands.length === 0) return;
          const label = `[batch${b.atomic ? ', atomic' : ''}: ${commands.map((c) => c.what).join('; ')}]`;
          const operations = commands.map((c) => c.op);
          let rehearsal: BatchRehearsal | undefined;
          if (b.dry) {
            const before = await logState(db0());
            rehearsal = await ledger.dryRunBatch(operations, ctx, { atomic: b.atomic });
            expect(await logState(db0()), `${label}: a dry run writes nothing`).toEqual(before);
          }
          const results = await ledger.executeBatch(operations, ctx, { atomic: b.atomic });
          const answers = results.map((r) => r.error?.code ?? 'OK');
          if (rehearsal)
            expect(
              rehearsal.results.map((r) => r.error?.code ?? 'OK'),
              `${label}: its dry run`,
            ).toEqual(answers);
          const snapshot = model.snapshot();
          const mark = txs.length;
          const checks: Check[] = [];
          const expected = commands.map((c, j) => {
            const e = c.expect();
            // An atomic batch refused further on posts nothing: the model goes on with a stand-in id.
            const id = results[j]!.transactionId ?? `not-posted-${j}`;
            if (c.ref !== undefined) refs.set(c.ref, e.outcome === 'OK' ? id : null);
            const check = e.outcome === 'OK' ? e.apply?.(id) : undefined;
            if (check) checks.push(check);
            return e.outcome;
          });
          const refused = expected.findIndex((e) => e !== 'OK');
          if (b.atomic && refused >= 0) {
            model.restore(snapshot);
            txs.length = mark;
            expect(answers, label).toEqual(expected.map((e, j) => (j === refused ? e : 'BATCH_ITEM_NOT_POSTED')));
            return;
          }
          expect(answers, label).toEqual(expected);
          for (const check of checks) await check();
          for (const [code, state] of rehearsal?.accounts ?? [])
            expect(state.exists && balanceOf(state).toFixed(2), `${label}: the dry run's balance of ${code}`).toBe(
              model.balance(code).toFixed(2),
            );
        };

        try {
          const opened = new Date(START - 86_400_000).toISOString();
          const bank = { code: BANK, name: 'Bank', type: 'ASSET', currency: 'USD' } as const;
          await ledger.openAccount({ ...bank, effectiveAt: opened }, ctx);
          model.open({ ...bank, scale: 2, minimumBalance: null, openedAt: opened });
          // The second wallet is capped from its opening: inflows meet its maximum early.
          for (const [w, maximumBalance] of [
            [WALLETS[0], null],
            [WALLETS[1], '60.00'],
          ] as const) {
            const input = { code: w, name: w, type: 'LIABILITY', currency: 'USD', minimumBalance: '0' } as const;
            await ledger.openAccount({ ...input, maximumBalance, effectiveAt: opened }, ctx);
            model.open({ ...input, scale: 2, minimumBalance: '0.00', maximumBalance, openedAt: opened });
            // Funded (the capped one below its maximum), so that most holds are placed and the
            // rules on them (adjust, capture) get exercised.
            const cents = maximumBalance === null ? 20_000 : 3_000;
            const funding = legsOf(BANK, w, cents);
            const id = await ledger.transfer(
              { idempotencyKey: `fund-${w}`, debitAccount: BANK, creditAccount: w, amount: money(cents) },
              ctx,
            );
            model.post(id, funding, model.now);
            txs.push(id);
          }
          for (const o of ops) {
            model.now += 1000;
            if (o.kind === 'wait') {
              model.now += o.seconds * 1000;
              continue;
            }
            if (o.kind === 'bound' || o.kind === 'max') {
              const w = WALLETS[o.w]!;
              const bound = o.bound === null ? null : money(o.bound);
              const account = model.account(w);
              const result = await outcome(() =>
                o.kind === 'bound'
                  ? ledger.changeMinimumBalance({ code: w, minimumBalance: bound }, ctx)
                  : ledger.changeMaximumBalance({ code: w, maximumBalance: bound }, ctx),
              );
              const ordered =
                o.kind === 'bound'
                  ? LedgerModel.ordered(bound, account.maximumBalance)
                  : LedgerModel.ordered(account.minimumBalance, bound);
              expect(result.code ?? 'OK', `${o.kind} ${bound} on ${w}`).toBe(ordered ? 'OK' : 'VALIDATION_ERROR');
              if (!ordered) continue;
              if (o.kind === 'bound') model.setMinimumBalance(w, bound);
              else model.setMaximumBalance(w, bound);
              continue;
            }
            if (o.kind === 'sweep') {
              const due = model.dueHolds().map((h) => h.id);
              const asked = await sweeper.sweep();
              expect(asked.sort()).toEqual([...due].sort());
              for (const id of due) {
                model.expire(id);
                if (model.settledPosted(id)) txs.push(id);
              }
              continue;
            }
            if (o.kind === 'batch') {
              await runBatch(o);
              continue;
            }
            const c = command(o);
            if (c) await runAlone(c, 'dry' in o && o.dry);
          }

          const db = temp.database.db;
          const accounts = await getAccounts(db, [...WALLETS, BANK]);
          for (const w of WALLETS) {
            const account = accounts.get(w)!;
            expect(account.balance, w).toBe(model.balance(w).toFixed(2));
            expect((await loadAccount(db, w)).version, `${w} version`).toBe(model.account(w).version);
            expect(await pendingOf(db, account, iso()), `${w} pending`).toBe(model.reserved(w).toFixed(2));
            // The command side's state holds exactly the open holds (expired ones stay until voided or swept).
            const state = await loadAccount(db, w);
            const open = [...model.holds.values()]
              .filter((h) => walletOf(h) === w && h.status === 'open')
              .map((h) => h.id)
              .sort();
            expect(state.exists && Object.keys(state.holds).sort(), `${w} open holds`).toEqual(open);
          }
          // Double entry: the bank (an asset) holds what the wallets (liabilities) owe.
          expect(accounts.get(BANK)!.balance).toBe(
            model.balance(WALLETS[0]).plus(model.balance(WALLETS[1])).toFixed(2),
          );
          // Committed + released = held (placed and raised), as the log records each hold; its
          // entries are its captures; only an open hold keeps rows in the holds table.
          for (const h of model.holds.values()) {
            const entries = await db
              .selectFrom('entries')
              .select('amount')
              .where('transaction_id', '=', h.id)
              .where('account_code', '=', walletOf(h))
              .orderBy('position')
              .execute();
            expect(
              entries.map((e) => e.amount),
              `hold ${h.status}`,
            ).toEqual(h.captures.map((c) => c.toFixed(2)));
            const logged = holdFigures(
              (await readStream(db, accountStream(walletOf(h))))
                .filter((stored) => stored.transactionId === h.id)
                .map(decodeAccountEvent),
            );
            const committed = h.captures.reduce((a, b) => a.plus(b), ZERO);
            expect(logged, `hold ${h.id} (${h.status})`).toEqual({
              placed: h.placed.toFixed(2),
              raised: h.raised.toFixed(2),
              committed: committed.toFixed(2),
              released: h.released.toFixed(2),
              held: model.held(h.id).toFixed(2),
            });
            expect(committed.plus(h.released).plus(model.held(h.id)).toFixed(2)).toBe(
              h.placed.plus(h.raised).toFixed(2),
            );
            expect(
              await db.selectFrom('holds').select('transaction_id').where('transaction_id', '=', h.id).execute(),
            ).toEqual(h.status === 'open' ? [{ transaction_id: h.id }, { transaction_id: h.id }] : []);
            const expiries = (await readStream(db, accountStream(walletOf(h)))).filter(
              (stored) => stored.transactionId === h.id && stored.type === 'HoldExpired',
            );
            expect(expiries.length, `hold ${h.id} expired once`).toBe(h.status === 'expired' ? 1 : 0);
          }
          // Every reversal nets to zero on every account.
          for (const t of [...model.transactions.values()].filter((x) => x.reversedBy !== null)) {
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
              const asOf = new Date(START + ((model.now - START) * i) / 6).toISOString();
              const knownAt = new Date(START + ((model.now - START) * ((i * 5) % 7)) / 6).toISOString();
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
    // 40 fresh databases: on PostgreSQL, on a loaded machine, well past vitest's default minute.
  }, 300_000);
});
