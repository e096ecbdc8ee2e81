/**
 * The business limits, all in one place (docs/security.md lists them; a test compares), and the
 * input rules of docs/api.md: sizes and shapes every command checks before anything else.
 */
import { ValidationError } from './errors.js';
import { printable } from './text.js';
import { canonicalJson, type JsonObject } from './json.js';

export const LIMITS = {
  codeLength: 128,
  nameLength: 200,
  descriptionLength: 1000,
  metadataBytes: 16 * 1024,
  metadataDepth: 32,
  idempotencyKeyLength: 128,
} as const;

/**
 * Metadata searches (domain/metadata.ts): a path is at most this many keys deep; a filter holds at
 * most this many predicates, an `in` list this many values; at most this many indexes are declared
 * (each is a subscriber every write feeds).
 */
export const MAX_METADATA_PATH_KEYS = 8;
export const MAX_METADATA_PREDICATES = 10;
export const MAX_METADATA_VALUES = 100;
export const MAX_METADATA_INDEXES = 32;

/** Legs per transaction: at least two accounts, and a bound on the work one transaction asks for. */
export const MIN_LEGS = 2;
export const MAX_LEGS = 100;

/** Digits of a decimal literal (amounts, bounds, thresholds), sign and point aside. */
export const MAX_DECIMAL_DIGITS = 40;

/** The largest scale a custom asset may declare ("BTC/8"). */
export const MAX_CUSTOM_SCALE = 18;

/** API key names become the `actor` of events: short enough for logs. */
export const MAX_KEY_NAME_LENGTH = 64;

/** Connection pages: `first` when omitted, and its largest value. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Log positions travel as GraphQL Int (a signed 32-bit integer): no cursor or argument names one beyond it. */
export const MAX_POSITION = 2_147_483_647;

/** Balance conditions, and expected versions, per transaction (each names an account to load). */
export const MAX_CONDITIONS = 100;

/** Transactions per postTransactions request. */
export const MAX_BATCH = 1000;
/**
 * Legs per postTransactions request, all transactions together: what bounds a batch's work. Set
 * so that the largest batch holds no other request for long: GraphQL coerces a request's input
 * in one synchronous step (~5 ms per 4,000 legs here, more under load), and at 10,000 legs that
 * step alone stalled the event loop 25–40 ms (docs/performance.md). A full batch of transfers
 * (1,000 × 2 legs) fits, and so do 40 transactions of 100 legs.
 */
export const MAX_BATCH_LEGS = 4_000;

/** A batch's bounds, checked before anything of it is planned. */
export function checkBatchSize(inputs: ReadonlyArray<{ entries: readonly unknown[] }>): void {
  if (inputs.length < 1 || inputs.length > MAX_BATCH)
    throw new ValidationError('transactions', `a batch holds 1 to ${MAX_BATCH} transactions, not ${inputs.length}`);
  const legs = inputs.reduce((sum, input) => sum + input.entries.length, 0);
  if (legs > MAX_BATCH_LEGS)
    throw new ValidationError('transactions', `a batch holds at most ${MAX_BATCH_LEGS} legs in all, not ${legs}`);
}

/**
 * Balance monitors, and webhooks, one API key may create (INKWELL_PER_KEY_LIMIT): each monitor
 * is judged on every posting to its account and each webhook is sent every event, so an
 * unlimited key could multiply the work of every write (200 monitors: 200 alert rows a posting).
 */
export const DEFAULT_PER_KEY_LIMIT = 100;

/** Monitors one `balanceMonitors` answer lists at most. */
export const MAX_MONITORS = 1000;
/** Accounts one `Category.members` answer lists at most (larger categories: sum them with `balance`). */
export const MAX_CATEGORY_MEMBERS = 1000;
/** Days one daily-balance history may span (ten years). */
export const MAX_DAYS = 3660;

const CODE = /^[a-z0-9_-]+(:[a-z0-9_-]+)*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export function checkCode(code: string, field = 'code'): string {
  if (code.length > LIMITS.codeLength) throw new ValidationError(field, `at most ${LIMITS.codeLength} characters`);
  if (!CODE.test(code)) {
    throw new ValidationError(
      field,
      `"${printable(code)}" is not an account code: lowercase a-z, 0-9, "_" and "-", segments joined by ":"`,
    );
  }
  return code;
}

export function checkName(name: string): string {
  if (name.trim().length === 0) throw new ValidationError('name', 'must not be blank');
  if (!wellFormed(name)) throw new ValidationError('name', 'must be well-formed Unicode (no lone surrogates)');
  if (characters(name) > LIMITS.nameLength)
    throw new ValidationError('name', `at most ${LIMITS.nameLength} characters`);
  if (hasControl(name)) throw new ValidationError('name', 'control characters are not allowed');
  return name;
}

export function checkDescription(description: string | null | undefined): string | null {
  if (description == null) return null;
  if (characters(description) > LIMITS.descriptionLength) {
    throw new ValidationError('description', `at most ${LIMITS.descriptionLength} characters`);
  }
  if (!wellFormed(description))
    throw new ValidationError('description', 'must be well-formed Unicode (no lone surrogates)');
  if (hasControl(description.replace(/[\r\n\t]/g, '')))
    throw new ValidationError('description', 'control characters are not allowed');
  return description;
}

export function checkMetadata(metadata: unknown): JsonObject | null {
  if (metadata == null) return null;
  if (typeof metadata !== 'object' || Array.isArray(metadata))
    throw new ValidationError('metadata', 'must be a JSON object');
  checkJsonShape(metadata);
  const bytes = new TextEncoder().encode(canonicalJson(metadata)).length;
  if (bytes > LIMITS.metadataBytes)
    throw new ValidationError('metadata', `at most ${LIMITS.metadataBytes} bytes as JSON, not ${bytes}`);
  return metadata as JsonObject;
}

/**
 * Walks the value without recursion (a hostile document can nest deeper than the stack)
 * and refuses what JSON cannot round-trip: non-finite numbers such as 1e400.
 */
function checkJsonShape(root: object): void {
  const stack: Array<[unknown, number]> = [[root, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (++nodes > LIMITS.metadataBytes)
      throw new ValidationError('metadata', `at most ${LIMITS.metadataBytes} bytes as JSON`);
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new ValidationError('metadata', 'numbers must be finite (1e400 is not)');
    if (typeof value === 'string' && !wellFormed(value))
      throw new ValidationError('metadata', 'strings must be well-formed Unicode (no lone surrogates)');
    if (typeof value !== 'object' || value === null) continue;
    if (depth > LIMITS.metadataDepth)
      throw new ValidationError('metadata', `nested at most ${LIMITS.metadataDepth} levels deep`);
    for (const [key, child] of Object.entries(value)) {
      if (!wellFormed(key))
        throw new ValidationError('metadata', 'keys must be well-formed Unicode (no lone surrogates)');
      stack.push([child, depth + 1]);
    }
  }
}

export function checkIdempotencyKey(key: string): string {
  if (key.length < 1 || key.length > LIMITS.idempotencyKeyLength || !PRINTABLE_ASCII.test(key)) {
    throw new ValidationError('idempotencyKey', `1 to ${LIMITS.idempotencyKeyLength} printable ASCII characters`);
  }
  return key;
}

/** No lone UTF-16 surrogate: such text cannot be stored as UTF-8 without changing. */
function wellFormed(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** Characters as people count them (code points), not UTF-16 units: an emoji is one. */
function characters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
function hasControl(text: string): boolean {
  return CONTROL.test(text);
}
