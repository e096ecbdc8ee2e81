/**
 * Who may read /metrics: with INKWELL_METRICS_TOKEN set, a request bearing it (compared in
 * constant time); unset, only a request from this machine (loopback). Its own setting, not an
 * API key: a scraper needs no ledger role.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Null when allowed; otherwise the status and message of the refusal. */
export function metricsRefusal(req: IncomingMessage, token: string | null): { status: number; message: string } | null {
  if (token) {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    // Hashes first: timingSafeEqual needs equal lengths, and the length must not leak either.
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (given && timingSafeEqual(digest(given), digest(token))) return null;
    return { status: 401, message: 'send the metrics token: Authorization: Bearer <INKWELL_METRICS_TOKEN>' };
  }
  if (LOOPBACK.has(req.socket.remoteAddress ?? '')) return null;
  return { status: 403, message: 'metrics are served to loopback only unless INKWELL_METRICS_TOKEN is set' };
}
