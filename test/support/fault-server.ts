/**
 * For the storage-fault suites: the checks every refusal must pass (SQLite's suite too), and what
 * the PostgreSQL ones send their requests to — a ledger with two accounts and an admin key behind
 * the real server on a socket, its log kept in memory.
 */
import { expect } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { Logger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Database } from '../../src/store/db.js';

export interface Reply {
  status: number;
  data?: { transfer: { __typename: string; id?: string } };
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface FaultServer {
  ledger: Ledger;
  server: RunningServer;
  logged: Logged;
  /** POSTs a 1.00 transfer from equity:owner to assets:cash under this idempotency key. */
  transfer(idempotencyKey: string, requestId: string): Promise<Reply>;
  /** The cash balance, read over HTTP as a client would. */
  cashBalance(): Promise<string>;
  /** expectRefusal on this server's log. */
  expectRefused(reply: Reply, fault: string, requestId: string, cause: RegExp, status?: number): void;
  close(): Promise<void>;
}

export type Logged = Array<{ message: string; fields?: Record<string, unknown> }>;

/**
 * The refusal a storage fault must give: SERVICE_UNAVAILABLE naming the fault and the request,
 * what was written said plainly, and a log entry under the request id (with the database's own
 * words, when `cause` is given, so the fault is the real one and not a look-alike).
 */
export function expectRefusal(
  logged: Logged,
  reply: Pick<Reply, 'status' | 'errors'>,
  fault: string,
  requestId: string,
  cause?: RegExp,
  status = 200,
): void {
  expect(reply.status).toBe(status);
  expect(reply.errors?.[0]?.extensions, JSON.stringify(reply)).toMatchObject({
    code: 'SERVICE_UNAVAILABLE',
    fault,
    requestId,
  });
  expect(reply.errors?.[0]?.message).toMatch(
    fault === 'STORAGE_UNAVAILABLE'
      ? /retry with the same idempotency key, which never posts twice\.$/
      : /Nothing was written\.$/,
  );
  const entry = logged.find((l) => l.fields?.requestId === requestId);
  expect(entry).toMatchObject({ message: 'storage fault', fields: { fault } });
  if (cause) expect(String(entry?.fields?.cause)).toMatch(cause);
}

export const faultCtx = { actor: 'test', requestId: 'faults' };

export async function startFaultServer(database: Database): Promise<FaultServer> {
  const logged: Logged = [];
  const logger: Logger = { log: (_level, message, fields) => logged.push({ message, fields }) };
  const ledger = new Ledger(database);
  await ledger.openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET', currency: 'USD' }, faultCtx);
  await ledger.openAccount({ code: 'equity:owner', name: 'Owner', type: 'EQUITY', currency: 'USD' }, faultCtx);
  const key = (
    await createApiKey(database, { name: 'faults', role: 'admin', createdBy: 'test', now: new Date().toISOString() })
  ).secret;
  const server = await startServer({
    ledger,
    port: 0,
    host: '127.0.0.1',
    logger,
    rateLimit: { perSecond: 0, burst: 1 },
  });
  const request = async (query: string, requestId?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    if (requestId) headers['x-request-id'] = requestId;
    const response = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ query }) });
    return { status: response.status, ...(await response.json()) };
  };
  return {
    ledger,
    server,
    logged,
    transfer: (idempotencyKey, requestId) =>
      request(
        `mutation { transfer(input: { idempotencyKey: "${idempotencyKey}", debitAccount: "assets:cash", creditAccount: "equity:owner", amount: "1.00", description: "${'x'.repeat(300)}" }) { __typename ... on Transaction { id } } }`,
        requestId,
      ),
    cashBalance: async () => {
      const reply = await request('{ account(code: "assets:cash") { balance { posted { amount } } } }');
      expect(reply.data?.account, JSON.stringify(reply)).toBeTruthy();
      return reply.data.account.balance.posted.amount;
    },
    expectRefused: (reply, fault, requestId, cause, status) =>
      expectRefusal(logged, reply, fault, requestId, cause, status),
    close: () => server.close(),
  };
}
