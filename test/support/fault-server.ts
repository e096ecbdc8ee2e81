/**
 * What the PostgreSQL storage-fault suites send their requests to: a ledger with two accounts and
 * an admin key behind the real server on a socket, its log kept in memory, and the checks every
 * refusal must pass.
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
  errors?: Array<{ message: string; extensions: Record<string, unknown> }>;
}

export interface FaultServer {
  ledger: Ledger;
  server: RunningServer;
  logged: Array<{ message: string; fields?: Record<string, unknown> }>;
  /** POSTs a 1.00 transfer from equity:owner to assets:cash under this idempotency key. */
  transfer(idempotencyKey: string, requestId: string): Promise<Reply>;
  /** The cash balance, read over HTTP as a client would. */
  cashBalance(): Promise<string>;
  /** The refusal a storage fault must give: typed, named, logged with the server's own words, nothing written. */
  expectRefused(reply: Reply, fault: string, requestId: string, cause: RegExp, status?: number): void;
  close(): Promise<void>;
}

export const faultCtx = { actor: 'test', requestId: 'faults' };

export async function startFaultServer(database: Database): Promise<FaultServer> {
  const logged: FaultServer['logged'] = [];
  const logger: Logger = { log: (_level, message, fields) => logged.push({ message, fields }) };
  const ledger = new Ledger(database);
  await ledger.openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET', currency: 'USD' }, faultCtx);
  await ledger.openAccount({ code: 'equity:owner', name: 'Owner', type: 'EQUITY', currency: 'USD' }, faultCtx);
  const key = (await createApiKey(database, { name: 'faults', role: 'admin', createdBy: 'test', now: new Date().toISOString() })).secret;
  const server = await startServer({ ledger, port: 0, host: '127.0.0.1', logger, rateLimit: { perSecond: 0, burst: 1 } });
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
    expectRefused: (reply, fault, requestId, cause, status = 200) => {
      expect(reply.status).toBe(status);
      expect(reply.errors?.[0]?.extensions, JSON.stringify(reply)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', fault, requestId });
      expect(reply.errors?.[0]?.message).toMatch(fault === 'STORAGE_UNAVAILABLE' ? /retry with the same idempotency key, which never posts twice\.$/ : /Nothing was written\.$/);
      const entry = logged.find((l) => l.fields?.requestId === requestId);
      expect(entry).toMatchObject({ message: 'storage fault', fields: { fault } });
      // The server's own words, so the fault is the real one and not a look-alike.
      expect(String(entry?.fields?.cause)).toMatch(cause);
    },
    close: () => server.close(),
  };
}
