/**
 * The brute force every metadata search is checked against: a scan of the whole event log up to a
 * position, with no index and no read model — each transaction's and account's metadata as known
 * there, and every posted entry (test/property/metadata.property.test.ts, test/e2e/metadata.test.ts).
 */
import { postedLegs } from '../../src/domain/account.js';
import type { JsonObject } from '../../src/domain/json.js';
import { decodeEvent } from '../../src/events/catalogue.js';
import { accountCodeOf, isAccountStream } from '../../src/events/streams.js';
import type { Db } from '../../src/store/db.js';
import { readLog } from '../../src/store/event-store.js';

export interface ScannedEntry {
  position: number;
  legIndex: number;
  transactionId: string;
  accountCode: string;
}

/** What the log knows at `atPosition`: transactions in order of their first event, accounts, entries in log order. */
export async function scanMetadata(db: Db, atPosition: number) {
  const transactions = new Map<string, { id: string; first: number; metadata: JsonObject | null }>();
  const accounts = new Map<string, JsonObject | null>();
  const entries: ScannedEntry[] = [];
  for await (const stored of readLog(db, 0)) {
    if (stored.position > atPosition) break;
    if (!isAccountStream(stored.streamId)) continue;
    const event = decodeEvent(stored);
    const code = accountCodeOf(stored.streamId);
    if (event.type === 'AccountOpened' || event.type === 'AccountUpdated') accounts.set(code, event.data.metadata);
    if (
      (event.type === 'TransactionPosted' || event.type === 'HoldPlaced') &&
      !transactions.has(event.data.transactionId)
    )
      transactions.set(event.data.transactionId, {
        id: event.data.transactionId,
        first: stored.position,
        metadata: event.data.metadata,
      });
    if (event.type === 'TransactionMetadataUpdated')
      transactions.get(event.data.transactionId)!.metadata = event.data.metadata;
    for (const [legIndex, leg] of (postedLegs(event as Parameters<typeof postedLegs>[0]) ?? []).entries())
      if (leg.account === code)
        entries.push({
          position: stored.position,
          legIndex,
          transactionId: (event.data as { transactionId: string }).transactionId,
          accountCode: code,
        });
  }
  return { transactions: [...transactions.values()], accounts, entries };
}
