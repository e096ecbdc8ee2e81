/**
 * executeBatch against the same operations one by one (issue 20, points 5 and 6): random batches
 * of transfers, holds, adjustments (raised or lowered), captures (whole or part), voids and
 * reversals — later ones naming earlier
 * ones by ref, some refused — run as one batch on one set of accounts and one by one on a twin
 * set. Without `atomic`, every answer and every balance equals the one-by-one run's; with it,
 * the same when nothing is refused, otherwise the first refusal at its index, every other
 * operation not posted and nothing written. A dry run of each batch first answers exactly what
 * the batch then does, and writes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/domain/errors.js';
import { balanceOf, reservedAt } from '../../src/domain/account.js';
import type { BatchOperationInput } from '../../src/ledger/commands/execute-batch.js';
import type { BatchResult } from '../../src/ledger/commands/post-transactions.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { loadAccount } from '../../src/ledger/load.js';
import { logState } from '../support/log-state.js';
import { tempDatabase } from '../support/server.js';

const ctx = { actor: 'property', requestId: 'batch' };
const TWINS = ['a', 'b'] as const;
type Twin = (typeof TWINS)[number];
const code = (twin: Twin, name: 'wallet' | 'bank' | 'sales') =>
  ({ wallet: `liabilities:${twin}-wallet`, bank: `assets:${twin}-bank`, sales: `revenue:${twin}-sales` })[name];
const cents = (n: number) => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;

/** An operation by kind, amounts in cents; `pick` chooses an earlier operation to name. */
const operation = fc.oneof(
  fc.record({ kind: fc.constant('pay' as const), cents: fc.integer({ min: 1, max: 6_000 }) }),
  fc.record({ kind: fc.constant('fund' as const), cents: fc.integer({ min: 1, max: 3_000 }) }),
  fc.record({ kind: fc.constant('hold' as const), cents: fc.integer({ min: 1, max: 5_000 }) }),
  fc.record({
    kind: fc.constant('commit' as const),
    pick: fc.nat(),
    cents: fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: null }),
  }),
  fc.record({ kind: fc.constant('adjust' as const), pick: fc.nat(), cents: fc.integer({ min: 1, max: 8_000 }) }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }),
);
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

/** The operation for `twin`, naming earlier ones through `name` (a ref in a batch, an id one by one). */
function inputOf(op: Operation, index: number, twin: Twin, batch: number, name: (pick: number) => string) {
  const key = `${twin}-${batch}-${index}`;
  const move = (from: 'wallet' | 'bank', to: 'wallet' | 'sales', amount: number) => ({
    idempotencyKey: key,
    debitAccount: code(twin, from),
    creditAccount: code(twin, to),
    amount: cents(amount),
  });
  switch (op.kind) {
    case 'pay':
      return { transfer: move('wallet', 'sales', op.cents) };
    case 'fund':
      return { transfer: move('bank', 'wallet', op.cents) };
    case 'hold':
      return {
        post: {
          idempotencyKey: key,
          pending: true,
          entries: [
            { account: code(twin, 'wallet'), direction: 'DEBIT' as const, amount: cents(op.cents) },
            { account: code(twin, 'sales'), direction: 'CREDIT' as const, amount: cents(op.cents) },
          ],
        },
      };
    case 'commit':
      return {
        commitPending: {
          idempotencyKey: key,
          transactionId: name(op.pick),
          ...(op.cents === null ? {} : { amount: cents(op.cents) }),
        },
      };
    case 'adjust':
      return { adjustPending: { transactionId: name(op.pick), amount: cents(op.cents) } };
    case 'void':
      return { voidPending: { transactionId: name(op.pick) } };
    case 'reverse':
      return { reverseTransaction: { idempotencyKey: key, transactionId: name(op.pick) } };
  }
}

const codeOf = (result: BatchResult) => result.error?.code ?? 'OK';
/** An earlier operation of the batch (or, first of all, a transaction that does not exist). */
const earlier = (pick: number, index: number) => (index === 0 ? null : pick % index);
const NO_SUCH = '0199a0b2-7c3e-7d4f-8a1b-000000000000';

describe('executeBatch', () => {
  it('answers as the same operations one by one, atomic or not, and its dry run as itself', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ atomic: fc.boolean(), operations: fc.array(operation, { minLength: 1, maxLength: 8 }) }), {
          minLength: 1,
          maxLength: 3,
        }),
        async (batches) => {
          const temp = await tempDatabase();
          const ledger = new Ledger(temp.database);
          try {
            for (const twin of TWINS) {
              // Sales capped: holds, raises and captures into it meet its maximum.
              for (const [name, type, minimumBalance, maximumBalance] of [
                ['bank', 'ASSET', null, null],
                ['wallet', 'LIABILITY', '0', null],
                ['sales', 'REVENUE', null, '150.00'],
              ] as const)
                await ledger.openAccount(
                  { code: code(twin, name), name, type, currency: 'USD', minimumBalance, maximumBalance },
                  ctx,
                );
              await ledger.transfer({ ...inputOf({ kind: 'fund', cents: 4_000 }, 0, twin, -1, String).transfer! }, ctx);
            }
            for (const [b, { atomic, operations }] of batches.entries()) {
              // Twin a: one batch, naming earlier operations by ref.
              const batch: BatchOperationInput[] = operations.map((op, i) => ({
                ref: `r${i}`,
                ...inputOf(op, i, 'a', b, (pick) => {
                  const at = earlier(pick, i);
                  return at === null ? NO_SUCH : `r${at}`;
                }),
              }));
              const before = await logState(temp.database.db);
              const dry = await ledger.dryRunBatch(batch, ctx, { atomic });
              expect(await logState(temp.database.db)).toEqual(before);
              const results = await ledger.executeBatch(batch, ctx, { atomic });
              const afterBatch = await logState(temp.database.db);
              expect(dry.results.map(codeOf)).toEqual(results.map(codeOf));

              // Twin b: the same, one by one; an operation naming a refused one is refused as in a batch.
              const ids: Array<string | null> = [];
              const expected: string[] = [];
              for (const [i, op] of operations.entries()) {
                const at = 'pick' in op ? earlier(op.pick, i) : null;
                if (at !== null && ids[at] === null) {
                  ids.push(null);
                  expected.push('VALIDATION_ERROR');
                  continue;
                }
                const input = inputOf(op, i, 'b', b, () => (at === null ? NO_SUCH : ids[at]!));
                try {
                  ids.push(await runAlone(ledger, input));
                  expected.push('OK');
                } catch (error) {
                  if (!(error instanceof LedgerError)) throw error;
                  ids.push(null);
                  expected.push(error.code);
                }
              }
              const refused = expected.findIndex((c) => c !== 'OK');
              if (atomic && refused >= 0) {
                expect(results.map(codeOf)).toEqual(
                  expected.map((c, i) => (i === refused ? c : 'BATCH_ITEM_NOT_POSTED')),
                );
                expect(afterBatch).toEqual(before);
                return; // the twins part here: twin b wrote what came before the refusal
              }
              expect(results.map(codeOf)).toEqual(expected);
              for (const name of ['wallet', 'bank', 'sales'] as const)
                expect(await figures(ledger, code('a', name))).toEqual(await figures(ledger, code('b', name)));
              // The dry run's accounts are the batch's.
              for (const [account, state] of dry.accounts)
                expect(await figures(ledger, account)).toEqual(figuresOf(state));
            }
          } finally {
            await temp.dispose();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 240_000);
});

/** One operation through the ledger's own call, as a client would send it alone. */
async function runAlone(ledger: Ledger, op: BatchOperationInput): Promise<string> {
  if (op.transfer) return ledger.transfer(op.transfer, ctx);
  if (op.post) return ledger.postTransaction(op.post, ctx);
  if (op.commitPending) return ledger.commitPending(op.commitPending, ctx);
  if (op.adjustPending) return ledger.adjustPending(op.adjustPending, ctx);
  if (op.voidPending) return ledger.voidPending(op.voidPending, ctx);
  return ledger.reverseTransaction(op.reverseTransaction!, ctx);
}

async function figures(ledger: Ledger, account: string) {
  return figuresOf(await loadAccount(ledger.database.db, account));
}

function figuresOf(state: Awaited<ReturnType<typeof loadAccount>>) {
  if (!state.exists) return null;
  return {
    posted: balanceOf(state).toFixed(2),
    pending: reservedAt(state, new Date().toISOString()).toFixed(2),
    version: state.version,
  };
}
