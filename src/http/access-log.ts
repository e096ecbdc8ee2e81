/**
 * The access log: one JSON line per request through the server's logger (INKWELL_ACCESS_LOG:
 * the level, or off). It names the operation, never its text, its variables or the caller's
 * secret: only the key's name.
 */
import type { Logger, LogLevel } from '../log.js';
import type { RequestFacts } from './request-facts.js';

export type AccessLogLevel = LogLevel | 'off';

/** The most characters of a request's path a line holds. */
const MAX_PATH = 256;

export const ACCESS_LOG_LEVELS: readonly AccessLogLevel[] = ['debug', 'info', 'warn', 'error', 'off'];

export interface AccessEntry {
  requestId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  bytesOut: number;
  facts: RequestFacts;
}

export function logAccess(logger: Logger, level: AccessLogLevel, entry: AccessEntry): void {
  if (level === 'off') return;
  const { facts } = entry;
  logger.log(level, 'request', {
    requestId: entry.requestId,
    method: entry.method,
    // The path is the client's to choose (a 404 too): capped, so a line stays a line.
    path: entry.path.slice(0, MAX_PATH),
    ledger: facts.ledger,
    keyName: facts.keyName,
    operationName: facts.operationName,
    operationType: facts.operationType,
    outcome: facts.outcome,
    status: entry.status,
    durationMs: Math.round(entry.durationMs * 1000) / 1000,
    cost: facts.cost,
    bytesOut: entry.bytesOut,
  });
}

/** Counts the bytes a response writes (body only), by wrapping its write and end. */
export function countBytesOut(res: import('node:http').ServerResponse): () => number {
  let bytes = 0;
  const size = (chunk: unknown, encoding?: unknown) =>
    typeof chunk === 'string'
      ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : chunk instanceof Uint8Array
        ? chunk.byteLength
        : 0;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    bytes += size(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') bytes += size(chunk, rest[0]);
    return end(chunk, ...rest);
  }) as typeof res.end;
  return () => bytes;
}
