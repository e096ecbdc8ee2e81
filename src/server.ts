/**
 * The HTTP server: graphql-yoga on node:http with the transport rules of docs/api.md
 * (JSON POSTs only, a body cap, no batching or multipart), the defences of docs/security.md
 * (API keys, rate limits, query limits, CSRF, no introspection in production), /health,
 * request ids, masked errors, and a graceful shutdown that lets in-flight commits finish.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import DataLoader from 'dataloader';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { useAnonymousIntrospection } from './auth/anonymous-introspection.js';
import { useApiKeys, type FaultReply, type Principals } from './auth/http-auth.js';
import { KeyStates } from './auth/key-states.js';
import { RateLimiter } from './auth/rate-limit.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_QUERY_LIMITS,
  DEFAULT_RATE_LIMIT,
  type QueryLimits,
  type RateLimit,
} from './config.js';
import { useCostBudget } from './graphql/cost-budget.js';
import { useLiveStreams } from './graphql/live-streams.js';
import { timeoutError, useDeadline } from './graphql/deadline.js';
import { nestingGuard } from './graphql/nesting-guard.js';
import { persistedOperations, type PersistedSettings } from './graphql/persisted-operations.js';
import {
  DEFAULT_REPLICA_WAIT_MS,
  MIN_POSITION_HEADER,
  type ReadServer,
  useReadYourWrites,
} from './graphql/read-your-writes.js';
import { schema } from './graphql/schema.js';
import type { GraphQLContext } from './graphql/builder.js';
import { DEFAULT_ACTOR } from './ledger/context.js';
import { Ledger, type LedgerOptions } from './ledger/ledger.js';
import { LedgerRegistry } from './ledger/registry.js';
import { recordLedger } from './ledger/catalogue.js';
import { DEFAULT_LEDGER } from './domain/ledgers.js';
import { type LedgerRuntime, startLedgerRuntime, stopLedgerRuntime } from './http/ledger-runtime.js';
import { getAccounts, getTransactions } from './ledger/queries.js';
import type { SubscriberRunner } from './subscribers/runner.js';
import type { WebhookDispatcher } from './subscribers/webhook-dispatcher.js';
import type { WebhookSettings } from './subscribers/webhook-settings.js';
import { stderrLogger, type Logger } from './log.js';
import { DEFAULT_FEED_POLL_MS } from './ledger/feed.js';
import { DEFAULT_CONSUMER_ACK_MS } from './domain/consumers.js';
import { DEFAULT_PER_KEY_LIMIT } from './domain/limits.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, DeadlineExceeded } from './store/deadline.js';
import type { AccessLogLevel } from './http/access-log.js';
import { ServerMetrics } from './http/metrics.js';
import { ReadinessProbe } from './http/readiness.js';
import { logReplicaOutages } from './http/replica-log.js';
import { type RequestFacts, useRequestFacts } from './http/request-facts.js';
import { serveOps, watchRequest } from './http/ops.js';
import { compressResponse } from './http/compression.js';
import { GraphiQLPage } from './http/graphiql-page.js';

export interface ServerOptions extends PersistedSettings {
  ledger: Ledger;
  logger?: Logger;
  graphiql?: boolean;
  production?: boolean;
  /** Schema introspection; default: on, except in production. */
  introspection?: boolean;
  maxBodyBytes?: number;
  queryLimits?: QueryLimits;
  rateLimit?: RateLimit;
  /** Origins a browser may call the API from (CORS); default none. */
  corsOrigins?: string[];
  /** How often subscriptions look for other processes' commits (this process's wake them at once). */
  feedPollMs?: number;
  /** Aborted when the server stops: ends every subscription, so the drain does not wait on them. */
  stopping?: AbortSignal;
  /** The checkpointed subscribers (daily balances, monitors); startServer runs the default ones. */
  subscribers?: SubscriberRunner;
  /** Each request's time budget (default 10 s): a read past it is abandoned with TIMEOUT. */
  requestTimeoutMs?: number;
  /** How often the hold sweeper records expiries (default 1 s; 0: no sweeper in this server). */
  holdSweepMs?: number;
  /** A durable consumer's ack window unless it sets its own (default 30 s). */
  consumerAckMs?: number;
  /** Balance monitors, and webhooks, one API key may create (default 100). */
  perKeyLimit?: number;
  /** Webhook delivery settings (defaults: DEFAULT_WEBHOOK_SETTINGS). */
  webhooks?: Partial<WebhookSettings>;
  /** The webhook deliverer; startServer runs one. */
  webhookDispatcher?: WebhookDispatcher;
  /** Told the kind of each storage fault a request meets (metrics, readiness). */
  onStorageFault?: (fault: string) => void;
  /** The Bearer token /metrics asks for; null or unset: loopback only (docs/operations.md). */
  metricsToken?: string | null;
  /** The access log's level, or off (default info). */
  accessLog?: AccessLogLevel;
  /** How long a read waits for the replica to reach its x-inkwell-min-position before the primary answers (default 1 s). */
  replicaWaitMs?: number;
  /** Told which server answered each query, when the database has a read replica (metrics). */
  onQueryRead?: (server: ReadServer) => void;
  /** How the other ledgers' Ledger objects are made (issue 24); default: the defaults. */
  ledgerOptions?: LedgerOptions;
  /** The ledgers served besides `default` (startServer makes it). */
  registry?: LedgerRegistry<LedgerRuntime>;
}

interface RequestScope {
  requestId: string;
  clientAddress: string | null;
  /** What the access log and the metrics will say of it. */
  facts?: RequestFacts;
  /** The ledger its path names (/ledgers/<name>/graphql); null runtime: no such ledger. Unset: `default`. */
  ledger?: { name: string; runtime: LedgerRuntime | null };
}

/** The request being served, so that masked errors and events carry its id. */
const requestScope = new AsyncLocalStorage<RequestScope>();

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** GraphiQL's headers pane starts with this: paste the key printed at first start. */
const AUTH_HEADER_TEMPLATE = JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2);

const DEFAULT_QUERY = `# Inkwell: see README.md for a first session.
{
  accounts(first: 20) {
    edges { node { code type currency balance { posted { amount currency } } } }
  }
}
`;

/** An error as it is sent. */
type SentError = { message: string; extensions?: Record<string, unknown> };

/** A plugin that rewrites every error of every result just before it is sent. */
const onEachError = (rewrite: (error: SentError) => void): Plugin => ({
  onResultProcess({ result }) {
    for (const r of Array.isArray(result) ? result : [result])
      for (const error of (r as { errors?: SentError[] }).errors ?? []) rewrite(error);
  },
});

/**
 * In production, no error explains the schema: graphql-armor hides field suggestions, but
 * graphql-js also suggests enum values and input fields ("Did you mean …?") in validation and
 * variable errors, and yoga attaches the JSON parser's own error text.
 */
const noHints = onEachError((error) => {
  error.message = error.message.replace(/ ?Did you mean [^?]*\?/g, '');
  if (error.extensions && 'originalError' in error.extensions) delete error.extensions.originalError;
});

/**
 * Every error a client gets carries `extensions.code`, so clients can branch on it: graphql-js's
 * variable errors ("Variable "$x" … was not provided") and yoga's own request refusals (CSRF, a
 * mutation over GET) come without one.
 */
const errorCodes = onEachError((error) => {
  if (error.extensions?.code) return;
  error.extensions = {
    ...error.extensions,
    code: error.message.startsWith('Variable "') ? 'BAD_USER_INPUT' : 'BAD_REQUEST',
  };
});

/**
 * A body that is not JSON (or not UTF-8) is a 400 in every mode. yoga marks its JSON parse
 * error `http.spec`, and for an application/json answer it then may leave the status at 200
 * (production did; development answered 400): without the mark, its status 400 always holds.
 */
const badBodyIs400 = onEachError((error) => {
  const http = (error.extensions as { http?: { spec?: boolean; status?: number } } | undefined)?.http;
  // Only the body's own faults (post-json.js): a refused operation (validation, cost) keeps
  // yoga's spec status (200 for application/json clients).
  if (http?.spec && http.status === 400 && error.message.startsWith('POST body ')) delete http.spec;
});

/** Refuses `__schema` and `__type` (not `__typename`) at validation. */
const noIntrospection: Plugin = {
  onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
};

export function createInkwellYoga(options: ServerOptions): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  const { ledger } = options;
  const logger = options.logger ?? stderrLogger;
  const limits = options.queryLimits ?? DEFAULT_QUERY_LIMITS;
  const rate = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const principals: Principals = new WeakMap();
  const limiter = new RateLimiter(rate.perSecond, rate.burst);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const storageFault = storageFaultReply(ledger, logger, options.onStorageFault);
  const introspection = options.introspection ?? !options.production;
  // GraphiQL loads the schema before a key is pasted: development lets introspection in keyless.
  const anonymous = introspection && !options.production ? new WeakSet<Request>() : undefined;
  const graphiqlPage = new GraphiQLPage();
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphiql: options.graphiql
      ? {
          title: 'Inkwell',
          defaultQuery: DEFAULT_QUERY,
          headers: AUTH_HEADER_TEMPLATE,
          // Open on the key's placeholder: the first thing to do is paste a key there.
          defaultEditorToolsVisibility: 'headers' as const,
        }
      : false,
    // Self-hosted GraphiQL: yoga's default page loads its scripts from unpkg.com, which breaks offline.
    renderGraphiQL: graphiqlPage.render,
    landingPage: false,
    batching: false,
    multipart: false,
    logging: false,
    cors: corsOptions(options.corsOrigins),
    plugins: [
      graphiqlPage.plugin,
      ...(anonymous ? [useAnonymousIntrospection(anonymous, limits.maxTokens)] : []),
      useApiKeys({
        database: ledger.database,
        limiter,
        maxCost: limits.maxCost,
        principals,
        storageFault,
        anonymous,
        admit: (principal) => ledgerRefusal(principal.name, principal.ledgers),
      }),
      // Open streams re-check their key and end at shutdown so that clients resume (docs/api.md).
      useLiveStreams({ keys: new KeyStates(ledger.database.db, { logger }), stopping: options.stopping }),
      // A GET carries no body, so a browser sends it cross-site without a preflight: it must
      // carry a header that only a script allowed by CORS can set.
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      nestingGuard(),
      // Before useDeadline, which then wraps it: the wait for the replica counts against the deadline.
      useReadYourWrites(ledger, options.replicaWaitMs ?? DEFAULT_REPLICA_WAIT_MS, options.onQueryRead),
      useDeadline(timeoutMs),
      EnvelopArmorPlugin({
        maxDepth: { n: limits.maxDepth },
        maxTokens: { n: limits.maxTokens },
        maxAliases: { n: limits.maxAliases },
        maxDirectives: { n: limits.maxDirectives },
        // The cost is counted with variables and defaults by useCostBudget instead.
        costLimit: { enabled: false },
        blockFieldSuggestion: { enabled: options.production ?? false },
      }),
      useCostBudget({ limiter, principals, maxCost: limits.maxCost }),
      ...(introspection ? [] : [noIntrospection]),
      ...(options.production ? [noHints] : []),
      errorCodes,
      useRequestFacts(() => requestScope.getStore()?.facts, principals),
      // After the facts, so a refused request still names its operation in the log and metrics.
      persistedOperations(options),
      badBodyIs400,
    ],
    maskedErrors: { maskError: maskError(timeoutMs, storageFault, logger) },
    context: ({ request }) => requestContext(request, options, principals),
  });
}

/**
 * A storage fault, logged under the request id and told to the client as what it is (not a bug;
 * retrying later is the right move); null for any other error.
 */
function storageFaultReply(
  ledger: Ledger,
  logger: Logger,
  onFault: ((fault: string) => void) | undefined,
): (error: unknown) => FaultReply | null {
  return (error) => {
    const fault = ledger.database.fault(error);
    if (!fault) return null;
    onFault?.(fault.fault);
    const requestId = requestScope.getStore()?.requestId ?? null;
    logger.log('error', 'storage fault', {
      requestId,
      fault: fault.fault,
      error: fault.message,
      cause: String((fault.cause as Error | undefined)?.message ?? ''),
    });
    // A connection lost during a commit leaves its outcome unknown; every other fault rolled back.
    const outcome =
      fault.fault === 'STORAGE_UNAVAILABLE'
        ? 'If it broke off while committing, the request may have been written: retry with the same idempotency key, which never posts twice.'
        : 'Nothing was written.';
    return {
      message: `${fault.message}. ${outcome}`,
      extensions: { code: 'SERVICE_UNAVAILABLE', fault: fault.fault, requestId },
    };
  };
}

/** No CORS headers unless origins are configured: browsers then refuse cross-origin calls. */
function corsOptions(origins: string[] | undefined) {
  if (!origins?.length) return false;
  return {
    origin: origins,
    methods: ['GET', 'POST'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'x-request-id',
      'x-correlation-id',
      'x-causation-id',
      'x-graphql-yoga-csrf',
      'last-event-id',
      MIN_POSITION_HEADER,
    ],
    exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
  };
}

/**
 * What a client sees of an error: a GraphQL error it caused as it is; a deadline as TIMEOUT; a
 * storage fault as SERVICE_UNAVAILABLE; anything else masked, logged with the request id it quotes.
 */
function maskError(timeoutMs: number, storageFault: (error: unknown) => FaultReply | null, logger: Logger) {
  return (error: unknown, message: string): Error => {
    // By name, not instanceof: graphql ships CJS and ESM builds, and both may be loaded.
    const isGraphQLError = (e: unknown): e is GraphQLError => e instanceof Error && e.name === 'GraphQLError';
    const original = isGraphQLError(error) ? error.originalError : error;
    if (isGraphQLError(error) && (!original || isGraphQLError(original))) return error;
    const at = {
      nodes: isGraphQLError(error) ? error.nodes : undefined,
      path: isGraphQLError(error) ? error.path : undefined,
    };
    if (original instanceof DeadlineExceeded) return timeoutError(timeoutMs, at);
    const requestId = requestScope.getStore()?.requestId ?? null;
    const fault = storageFault(original);
    if (fault) {
      return new GraphQLError(fault.message, { ...at, extensions: fault.extensions });
    }
    logger.log('error', 'unexpected error', {
      requestId,
      error: String((original as Error | undefined)?.stack ?? original),
    });
    return new GraphQLError(`${message} Quote request id ${requestId ?? 'n/a'} when reporting it.`, {
      ...at,
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    });
  };
}

/**
 * Whether the key may use the ledger the request's path names (issue 24): a key scoped to other
 * ledgers is FORBIDDEN, as a field it may not use is; a ledger that does not exist is told only
 * to a caller with a valid key, so names cannot be probed without one.
 */
function ledgerRefusal(
  keyName: string,
  allowed: readonly string[] | null,
): { status: number; code: string; message: string } | null {
  const scope = requestScope.getStore();
  const name = scope?.ledger?.name ?? DEFAULT_LEDGER;
  const refusal =
    scope?.ledger && scope.ledger.runtime === null
      ? { status: 404, code: 'LEDGER_NOT_FOUND', message: `no ledger is named "${name}"` }
      : allowed !== null && !allowed.includes(name)
        ? { status: 403, code: 'FORBIDDEN', message: `API key "${keyName}" may not use ledger "${name}"` }
        : null;
  // The access log and the metrics say why, as for an answer GraphQL gave.
  if (refusal && scope?.facts) scope.facts.outcome = refusal.code;
  return refusal;
}

/** Each request's context: who asks, the ids that trace it, its loaders and its signal. */
function requestContext(request: Request, options: ServerOptions, principals: Principals): GraphQLContext {
  const scope = requestScope.getStore();
  // The ledger of the request's path; without the HTTP layer (yoga.fetch), the server's own.
  const runtime = scope?.ledger?.runtime;
  const ledger = runtime?.ledger ?? options.ledger;
  const home = options.ledger.database;
  const header = request.headers.get('x-request-id');
  const requestId = scope?.requestId ?? (header && REQUEST_ID.test(header) ? header : randomUUID());
  const db = ledger.database.db;
  const principal = principals.get(request) ?? null;
  // A client groups the requests of one business flow (correlation) and says what caused this one (causation).
  const traced = (name: string) => {
    const value = request.headers.get(name);
    return value && REQUEST_ID.test(value) ? value : null;
  };
  return {
    ledger,
    ledgerName: runtime?.name ?? DEFAULT_LEDGER,
    home,
    createLedger: (input, actor, now) =>
      options.registry ? options.registry.create(input, actor, now) : recordLedger(home, input, actor, now),
    principal,
    command: {
      actor: principal?.name ?? DEFAULT_ACTOR,
      requestId,
      correlationId: traced('x-correlation-id'),
      causationId: traced('x-causation-id'),
      clientAddress: scope?.clientAddress ?? null,
    },
    accounts: new DataLoader(async (codes) => {
      const found = await getAccounts(db, codes);
      return codes.map((code) => found.get(code) ?? null);
    }),
    transactions: new DataLoader(async (ids) => {
      const found = await getTransactions(db, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    now: new Date().toISOString(),
    signal: options.stopping ? AbortSignal.any([request.signal, options.stopping]) : request.signal,
    streaming: (request.headers.get('accept') ?? '').includes('text/event-stream'),
    lastEventId: request.headers.get('last-event-id'),
    subscribers: runtime ? runtime.subscribers : (options.subscribers ?? null),
    webhooks: runtime ? runtime.webhooks : (options.webhookDispatcher ?? null),
    feedPollMs: options.feedPollMs ?? DEFAULT_FEED_POLL_MS,
    consumerAckMs: options.consumerAckMs ?? DEFAULT_CONSUMER_ACK_MS,
    perKeyLimit: options.perKeyLimit ?? DEFAULT_PER_KEY_LIMIT,
  };
}

export interface RunningServer {
  server: Server;
  url: string;
  /** Stops accepting, waits for in-flight requests (and so their commits), then resolves. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions & { port: number; host?: string }): Promise<RunningServer> {
  const stopping = new AbortController();
  const home = startLedgerRuntime(DEFAULT_LEDGER, options.ledger, options, options.subscribers);
  // Every other ledger runs the same workers, started at its first request (ledger/registry.ts).
  const registry = new LedgerRegistry<LedgerRuntime>(
    options.ledger.database,
    home,
    (name, database) => startLedgerRuntime(name, new Ledger(database, options.ledgerOptions), options),
    stopLedgerRuntime,
  );
  const { subscribers, webhooks: webhookDispatcher } = home;
  const metrics = new ServerMetrics(options.ledger);
  const readiness = new ReadinessProbe(options.ledger, subscribers, undefined, () =>
    registry.opened().map(({ name, runtime }) => ({ name, ledger: runtime.ledger, subscribers: runtime.subscribers })),
  );
  const yoga = createInkwellYoga({
    ...options,
    stopping: stopping.signal,
    subscribers,
    webhookDispatcher,
    registry,
    onStorageFault: (fault) => {
      metrics.storageFault(fault);
      readiness.recordFault(fault);
      options.onStorageFault?.(fault);
    },
    onQueryRead: (server) => {
      metrics.queryRead(server);
      options.onQueryRead?.(server);
    },
  });
  const ops = { metrics, readiness, metricsToken: options.metricsToken ?? null };
  // Every ledger's pools share the replica's breaker (store/postgres.ts): one line per outage.
  const replica = options.ledger.database.replica;
  const stopReplicaLog = replica ? logReplicaOutages(replica, options.logger ?? stderrLogger) : () => undefined;
  const watch = { logger: options.logger ?? stderrLogger, level: options.accessLog ?? 'info', metrics };
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let inFlight = 0;
  let drained: (() => void) | null = null;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0]!;
    const facts = watchRequest(req, res, { ...watch, requestId, path });
    // After the access log's byte counter: it counts the bytes sent, compressed or not.
    compressResponse(req, res);
    if (path === '/health') return void json(res, 200, { status: 'ok' });
    if (serveOps(path, req, res, ops)) return;
    const ledgerName = ledgerOfPath(path);
    if (ledgerName === null)
      return void json(res, 404, {
        errors: [
          {
            message: 'not found: the API is at /graphql, and ledger <name>’s at /ledgers/<name>/graphql',
            extensions: { code: 'NOT_FOUND' },
          },
        ],
      });
    if (ledgerName === DEFAULT_LEDGER) facts.ledger = ledgerName;
    const refusal = transportRefusal(req, maxBody);
    if (refusal) {
      // Drain nothing: close after answering so an unread body cannot be smuggled into the next request.
      res.setHeader('connection', 'close');
      return void json(res, refusal.status, {
        errors: [{ message: refusal.message, extensions: { code: refusal.code } }],
      });
    }
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0 && drained) drained();
    });
    const scope: RequestScope = { requestId, clientAddress: req.socket.remoteAddress ?? null, facts };
    // yoga serves one endpoint: the ledger is carried by the scope, the path becomes /graphql.
    if (path !== '/graphql') req.url = `/graphql${(req.url ?? '').slice(path.length)}`;
    if (ledgerName === DEFAULT_LEDGER) return void requestScope.run(scope, () => yoga(req, res));
    registry.get(ledgerName).then(
      (runtime) => {
        // Named only once it exists: the metrics label stays bounded by the catalogue.
        if (runtime) facts.ledger = ledgerName;
        return requestScope.run({ ...scope, ledger: { name: ledgerName, runtime } }, () => yoga(req, res));
      },
      (error: unknown) => {
        const fault = options.ledger.database.fault(error);
        (options.logger ?? stderrLogger).log('error', 'a ledger could not be opened', {
          requestId,
          ledger: ledgerName,
          error: String((error as Error)?.message ?? error),
        });
        json(res, 503, {
          errors: [
            {
              message: `ledger "${ledgerName}" cannot be opened now: retry shortly`,
              extensions: { code: 'SERVICE_UNAVAILABLE', fault: fault?.fault ?? null, requestId },
            },
          ],
        });
      },
    );
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  const address = server.address() as AddressInfo;
  // Listening on every interface: point people at localhost, which reaches it from this machine.
  const host =
    address.address === '0.0.0.0' || address.address === '::'
      ? 'localhost'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address;
  return {
    server,
    url: `http://${host}:${address.port}/graphql`,
    close: async () => {
      stopping.abort();
      stopReplicaLog();
      await stopLedgerRuntime(home);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeAllConnections();
      await closed;
      await registry.close();
    },
  };
}

/** The ledger a path serves: /graphql is `default`, /ledgers/<name>/graphql is <name>; null for any other path. */
function ledgerOfPath(path: string): string | null {
  if (path === '/graphql') return DEFAULT_LEDGER;
  const match = /^\/ledgers\/([^/]{1,64})\/graphql$/.exec(path);
  return match ? match[1]! : null;
}

/** The transport rules: why a request is refused before GraphQL sees it, or null. */
function transportRefusal(
  req: IncomingMessage,
  maxBody: number,
): { status: number; code: string; message: string } | null {
  if (req.method === 'OPTIONS') return null;
  if (req.method === 'GET') return getRefusal(req.url ?? '');
  if (req.method !== 'POST')
    return { status: 405, code: 'METHOD_NOT_ALLOWED', message: 'use POST (or GET for queries)' };
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'POST bodies must be application/json' };
  // Media types are case-insensitive: hand yoga the form it recognises.
  req.headers['content-type'] = 'application/json';
  const length = req.headers['content-length'];
  if (length === undefined) return { status: 411, code: 'LENGTH_REQUIRED', message: 'send a Content-Length header' };
  if (Number(length) > maxBody)
    return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `the body is limited to ${maxBody} bytes` };
  return null;
}

/** A GET's `variables` and `extensions` must be JSON objects, as in a POST body. */
function getRefusal(url: string): { status: number; code: string; message: string } | null {
  const params = new URL(url, 'http://inkwell').searchParams;
  for (const name of ['variables', 'extensions']) {
    const value = params.get(name);
    if (value === null) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { status: 400, code: 'BAD_REQUEST', message: `the ${name} parameter must be a JSON object` };
    }
  }
  return null;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
