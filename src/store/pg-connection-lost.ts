/** Which errors from pg mean the server went away, rather than that it refused the work. */

/** Socket errors on the way to a PostgreSQL server: it is down, restarting or unreachable. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether `error` says the connection to the server could not be made or was lost: a socket
 * error, SQLSTATE 08xxx (connection exception) or 57P01-03 (the server is shutting down, crashed,
 * or starting up). pg's own "Connection terminated …" errors carry no code, nor does its
 * "timeout expired": a connection that took longer than its connectionTimeoutMillis.
 */
export function connectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (typeof code === 'string' && (UNREACHABLE.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code))) ||
    (error instanceof Error &&
      /^Connection terminated|connection error and is not queryable|^timeout expired$/.test(error.message))
  );
}
