/**
 * A metadata index built in batches that end inside a posting (one event per account, at
 * consecutive positions): the posting's second event, first in its batch, must find the row its
 * first event opened, not open another. It did open another once (a property-test seed found it):
 * a later metadata change then closed only the second row, and the first kept answering.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.js';
import { SubscriberRunner } from '../../src/subscribers/runner.js';
import { declareMetadataIndex, metadataIndexSubscribers } from '../../src/subscribers/metadata-index.js';
import { twoAccounts } from '../support/books.js';
import type { TempDatabase } from '../support/server.js';

let temp: TempDatabase;
let ledger: Ledger;
let ctx: { actor: string; requestId: string };

beforeEach(async () => {
  ({ temp, ledger, ctx } = await twoAccounts('metadata-index'));
});
afterEach(() => temp.dispose());

it.each([1, 2, 3])('keeps one row per value when batches of %i end inside postings', async (batchSize) => {
  const ids: string[] = [];
  for (const [i, id] of ['a', 'b', 'c'].entries())
    ids.push(
      await ledger.postTransaction(
        {
          idempotencyKey: `k${i}`,
          metadata: { customer: { id } },
          entries: [
            { account: 'assets:a', direction: 'DEBIT', amount: '1.00' },
            { account: 'equity:b', direction: 'CREDIT', amount: '1.00' },
          ],
        },
        ctx,
      ),
    );
  for (const id of ids) await ledger.updateTransactionMetadata({ transactionId: id, unset: ['customer'] }, ctx);
  await declareMetadataIndex(
    temp.database,
    { target: 'TRANSACTION', path: 'customer.id' },
    { actor: 'test', now: new Date().toISOString() },
  );
  const runner = new SubscriberRunner(temp.database, ledger.commits, [], {
    batchSize,
    discover: metadataIndexSubscribers,
  });
  await runner.catchUp();
  const rows = await temp.database.db
    .selectFrom('metadata_values')
    .select(['subject', 'value', 'to_position'])
    .where('index_name', '=', 'metadata-index:TRANSACTION:customer.id')
    .orderBy('from_position')
    .execute();
  // Each transaction held its value once, and held it no more after its update.
  expect(rows.map((r) => r.subject)).toEqual(ids);
  expect(rows.map((r) => r.value)).toEqual(['"a"', '"b"', '"c"']);
  expect(rows.every((r) => r.to_position !== null)).toBe(true);
});
