/**
 * The event catalogue: every event type Inkwell has ever stored, its current schema
 * version, a validator for every version, and the upcasters between them. Every read
 * path decodes through `decodeEvent`; every write encodes through `encodeEvent`.
 * Add a version by appending a validator and an upcaster; never edit an old one.
 */
import type { AccountEvent } from '../domain/account.js';
import { ACCOUNT_TYPES } from '../domain/account.js';
import { canonicalJson } from '../domain/json.js';
import { array, nullable, object, oneOf, string, jsonObject, type Check } from './schema-check.js';

const decimal = string(/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/);
const code = string(/^[a-z0-9_-]+(:[a-z0-9_-]+)*$/);

interface EventTypeSpec {
  current: number;
  /** validators[v - 1] checks the data of schema version v. */
  validators: Check[];
  /** upcasters[v - 1] turns version v data into version v + 1 data. */
  upcasters: Array<(data: any) => unknown>;
}

export const CATALOGUE: Record<AccountEvent['type'], EventTypeSpec> = {
  AccountOpened: {
    current: 1,
    validators: [
      object({
        code,
        name: string(),
        type: oneOf(...ACCOUNT_TYPES),
        currency: string(),
        minimumBalance: nullable(decimal),
        metadata: nullable(jsonObject),
      }),
    ],
    upcasters: [],
  },
  TransactionPosted: {
    current: 1,
    validators: [
      object({
        transactionId: string(),
        idempotencyKey: string(),
        legs: array(object({ account: code, direction: oneOf('DEBIT', 'CREDIT'), amount: decimal, currency: string() }), 2),
        description: nullable(string()),
        metadata: nullable(jsonObject),
      }),
    ],
    upcasters: [],
  },
  AccountClosed: {
    current: 1,
    validators: [object({})],
    upcasters: [],
  },
};

export class EventDecodingError extends Error {
  constructor(
    readonly position: number,
    reason: string,
  ) {
    super(`event at position ${position}: ${reason}`);
  }
}

export interface StoredPayload {
  position: number;
  type: string;
  schemaVersion: number;
  data: string;
  effectiveAt: string;
}

/** Stored row → validated event in its current shape, or an error naming the position. */
export function decodeEvent(row: StoredPayload): AccountEvent {
  const spec = (CATALOGUE as Record<string, EventTypeSpec | undefined>)[row.type];
  if (!spec) throw new EventDecodingError(row.position, `unknown event type "${row.type}"`);
  if (!Number.isInteger(row.schemaVersion) || row.schemaVersion < 1 || row.schemaVersion > spec.current) {
    throw new EventDecodingError(
      row.position,
      `${row.type} schema version ${row.schemaVersion} is not one this build reads (1..${spec.current}); upgrade Inkwell`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(row.data);
  } catch {
    throw new EventDecodingError(row.position, 'data is not valid JSON');
  }
  for (let version = row.schemaVersion; ; version++) {
    try {
      spec.validators[version - 1]!(data, '');
    } catch (error) {
      throw new EventDecodingError(row.position, `${row.type} v${version} ${(error as Error).message}`);
    }
    if (version === spec.current) break;
    data = spec.upcasters[version - 1]!(data);
  }
  return { type: row.type, effectiveAt: row.effectiveAt, data } as AccountEvent;
}

/** Domain event → its stored form at the current schema version, validated before it is written. */
export function encodeEvent(event: AccountEvent): { type: string; schemaVersion: number; data: string } {
  const spec = CATALOGUE[event.type];
  spec.validators[spec.current - 1]!(event.data, '');
  return { type: event.type, schemaVersion: spec.current, data: canonicalJson(event.data) };
}
