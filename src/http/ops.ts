/**
 * The operator's side of the HTTP server: /metrics and /ready (docs/operations.md), and the
 * watch every request is under — its access-log line and its metrics, once it is finished.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { type AccessLogLevel, countBytesOut, logAccess } from './access-log.js';
import { metricsRefusal } from './metrics-access.js';
import type { ServerMetrics } from './metrics.js';
import type { ReadinessProbe } from './readiness.js';
import { newFacts, type RequestFacts } from './request-facts.js';

/** The code a request answered before GraphQL ran (its key refused, the transport rules) carries. */
const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  405: 'METHOD_NOT_ALLOWED',
  411: 'LENGTH_REQUIRED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

export interface Ops {
  metrics: ServerMetrics;
  readiness: ReadinessProbe;
  metricsToken: string | null;
}

/** Answers /metrics and /ready; false for any other path. */
export function serveOps(path: string, req: IncomingMessage, res: ServerResponse, ops: Ops): boolean {
  if (path === '/ready') {
    void ops.readiness
      .check()
      .then((readiness) =>
        send(res, readiness.ready ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(readiness)),
      );
    return true;
  }
  if (path !== '/metrics') return false;
  const refusal = metricsRefusal(req, ops.metricsToken);
  if (refusal) {
    const body = {
      errors: [
        { message: refusal.message, extensions: { code: refusal.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN' } },
      ],
    };
    send(res, refusal.status, 'application/json; charset=utf-8', JSON.stringify(body));
    return true;
  }
  ops.metrics.registry.metrics().then(
    (text) => send(res, 200, ops.metrics.registry.contentType, text),
    (error: unknown) =>
      send(
        res,
        503,
        'text/plain; charset=utf-8',
        `metrics unavailable: ${String((error as Error)?.message ?? error)}\n`,
      ),
  );
  return true;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

/**
 * Watches one request: once its response is finished (or the client went away), writes its
 * access-log line and, for /graphql, its metrics. Returns the facts yoga's plugin fills in.
 */
export function watchRequest(
  req: IncomingMessage,
  res: ServerResponse,
  watch: { logger: Logger; level: AccessLogLevel; metrics: ServerMetrics; requestId: string; path: string },
): RequestFacts {
  const started = performance.now();
  const facts = newFacts();
  const bytesOut = countBytesOut(res);
  res.once('close', () => {
    const durationMs = performance.now() - started;
    // A request refused before GraphQL (transport rules) has no result: its outcome is its status.
    facts.outcome ??= res.statusCode < 400 ? 'ok' : (STATUS_CODES[res.statusCode] ?? `HTTP_${res.statusCode}`);
    // A ledger's endpoint too (facts.ledger is set only for a ledger that exists).
    if (watch.path === '/graphql' || facts.ledger !== null)
      watch.metrics.observeRequest({
        operationName: facts.operationName,
        outcome: facts.outcome,
        seconds: durationMs / 1000,
        cost: facts.cost,
        ledger: facts.ledger ?? 'default',
      });
    logAccess(watch.logger, watch.level, {
      requestId: watch.requestId,
      method: req.method ?? '',
      path: watch.path,
      status: res.statusCode,
      durationMs,
      bytesOut: bytesOut(),
      facts,
    });
  });
  return facts;
}
