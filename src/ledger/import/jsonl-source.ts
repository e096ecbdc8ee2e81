/**
 * Inkwell's JSON Lines audit-trail export (`inkwell export audit-trail --format jsonl`) as an
 * import source: every stored event with its data as stored, so accounts open as they were
 * opened and each posted transaction is posted again, with its own effective time. Each event is
 * decoded (and upcast) by the event catalogue, as every read path does. Read line by line: the
 * file is never in memory. A transaction appears once per account it touched, on consecutive
 * lines; the first is imported. Prices are recorded again. Holds, lifecycle changes, metadata
 * updates and period locks are counted in the summary, not replayed (docs/operations.md).
 */
import { basename } from 'node:path';
import type { AccountOpenedData, TransactionRecord } from '../../domain/account.js';
import { canonicalJson, type JsonObject } from '../../domain/json.js';
import type { PriceData } from '../../domain/prices.js';
import { decodeEvent, EventDecodingError } from '../../events/catalogue.js';
import { readLines } from './lines.js';
import type { AccountPlan, ImportItem, ImportPrice, ImportSource } from './model.js';
import { ImportRefused } from './refusal.js';

interface EventRow {
  type: string;
  schemaVersion: number;
  effectiveAt: string;
  position: number;
  data: string;
}

/** Each event row of the export, decoded; the header checked to be an audit trail's. */
async function* eventsOf(path: string): AsyncGenerator<{ line: number; row: EventRow; data: unknown }> {
  for await (const { number, text } of readLines(path)) {
    if (text.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new ImportRefused(number, 'not a JSON line: this is not an Inkwell JSON Lines export');
    }
    if (record === null || typeof record !== 'object')
      throw new ImportRefused(number, 'not a JSON object: this is not an Inkwell JSON Lines export');
    if (number === 1 && (record.record !== 'report' || record.report !== 'audit-trail'))
      throw new ImportRefused(
        number,
        'not an audit-trail export: import jsonl reads `inkwell export audit-trail --format jsonl`',
      );
    if (record.record !== 'row') continue;
    const row = record as unknown as EventRow;
    try {
      if (typeof row.data !== 'string' || typeof row.effectiveAt !== 'string') throw new Error('fields missing');
      yield { line: number, row, data: decodeEvent(row).data };
    } catch (error) {
      const reason = error instanceof EventDecodingError ? error.message : 'an event row without its data';
      throw new ImportRefused(number, reason);
    }
  }
}

export function jsonlSource(path: string): ImportSource {
  const notes = new Map<string, number>();
  const note = (what: string) => notes.set(what, (notes.get(what) ?? 0) + 1);
  return {
    notes,
    assertions: false,
    openUnused: true,
    async plan() {
      const plans = new Map<string, AccountPlan>();
      try {
        for await (const { row, data } of eventsOf(path)) {
          if (row.type !== 'AccountOpened') continue;
          const opened = data as AccountOpenedData;
          plans.set(opened.code, {
            code: opened.code,
            name: opened.name,
            type: opened.type,
            currency: opened.currency,
            effectiveAt: row.effectiveAt,
            metadata: opened.metadata,
          });
        }
      } catch (error) {
        // The second pass stops at the same line, after posting everything before it.
        if (!(error instanceof ImportRefused)) throw error;
      }
      return plans;
    },
    async *items(): AsyncGenerator<ImportItem | ImportPrice> {
      const file = basename(path);
      let last: string | null = null;
      for await (const { line, row, data } of eventsOf(path)) {
        if (row.type === 'AccountOpened') continue;
        if (row.type === 'PriceSet') {
          const { base, quote, rate } = data as PriceData;
          yield { kind: 'price', line, base, quote, rate, effectiveAt: row.effectiveAt };
          continue;
        }
        if (row.type !== 'TransactionPosted') {
          note(`${row.type} events (not replayed)`);
          continue;
        }
        const tx = data as TransactionRecord;
        if (tx.transactionId === last) continue;
        last = tx.transactionId;
        // The ledger appends two conversion legs per exchange after the client's: it adds them again.
        const exchanges = tx.exchanges ?? [];
        const legs = tx.legs.slice(0, tx.legs.length - 2 * exchanges.length);
        const content = {
          effectiveAt: row.effectiveAt,
          legs: tx.legs,
          description: tx.description,
          metadata: tx.metadata,
        };
        const importedFrom: JsonObject = { file, line, transactionId: tx.transactionId };
        if (tx.reverses) importedFrom.reverses = tx.reverses;
        yield {
          line,
          content: canonicalJson(content as unknown as JsonObject),
          effectiveAt: row.effectiveAt,
          description: tx.description,
          metadata: { ...(tx.metadata ?? {}), importedFrom },
          legs,
          exchanges,
          assertions: [],
        };
      }
    },
  };
}
