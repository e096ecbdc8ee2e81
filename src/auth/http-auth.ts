/**
 * The yoga plugin that lets a request in: a valid API key first (401 otherwise), then the
 * floor of the key's cost budget, 1 point (429 with Retry-After); the rest of the operation's
 * cost is spent once it is priced (src/graphql/cost-budget.ts). It runs before parsing, so a caller without a key
 * learns nothing about the schema, not even from a validation error. GraphiQL's page (an
 * HTML GET) and CORS preflights are answered by yoga before this plugin and need no key.
 * When the key cannot be looked up because the storage failed, the answer is 503 with the
 * fault (and Retry-After), not a 500.
 */
import type { Plugin } from 'graphql-yoga';
import type { Database } from '../store/db.js';
import { authenticate, type Principal } from './api-keys.js';
import { budgetHeaders, budgetRefusal, type RateLimiter } from './rate-limit.js';

/** The principal of each admitted request, for the context factory. */
export type Principals = WeakMap<Request, Principal>;

/** One GraphQL error as sent; for a storage fault, src/server.ts writes it (and logs the fault). */
export interface FaultReply {
  message: string;
  extensions: Record<string, unknown>;
}

export function useApiKeys(options: {
  database: Database;
  limiter: RateLimiter;
  maxCost: number;
  principals: Principals;
  storageFault: (error: unknown) => FaultReply | null;
  /** Whether the admitted key may go on (the ledger it asks for, issue 24); the refusal when not. */
  admit?: (principal: Principal) => { status: number; code: string; message: string } | null;
  /** Requests let in without a key: introspection in development (src/auth/anonymous-introspection.ts). */
  anonymous?: WeakSet<Request>;
}): Plugin {
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      if (request.method === 'OPTIONS' || options.anonymous?.has(request)) return;
      const answer = (
        status: number,
        error: FaultReply,
        headers: Record<string, string>,
        extensions?: Record<string, unknown>,
      ) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [error], ...(extensions && { extensions }) }), {
            status,
            headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
          }),
        );
      const refuse = (status: number, code: string, message: string, headers: Record<string, string>) =>
        answer(status, { message, extensions: { code } }, headers);
      let result: Awaited<ReturnType<typeof authenticate>>;
      try {
        result = await authenticate(
          options.database.db,
          request.headers.get('authorization'),
          new Date().toISOString(),
        );
      } catch (error) {
        const fault = options.storageFault(error);
        if (!fault) throw error;
        return answer(503, fault, { 'retry-after': '1' });
      }
      if (!result.ok) {
        // RFC 6750: no error attribute when no credentials were sent at all.
        const challenge =
          result.failure === 'missing' ? 'Bearer realm="inkwell"' : `Bearer realm="inkwell", error="invalid_token"`;
        return refuse(401, 'UNAUTHENTICATED', result.message, { 'www-authenticate': challenge });
      }
      const refusal = options.admit?.(result.principal);
      if (refusal) return refuse(refusal.status, refusal.code, refusal.message, {});
      const key = result.principal.name;
      const wait = options.limiter.take(key, 1);
      if (wait !== null) {
        const cost = { requested: 1, limit: options.maxCost, remaining: options.limiter.remaining(key) };
        const error = { message: budgetRefusal(key, options.limiter, wait, 1), extensions: { code: 'RATE_LIMITED' } };
        return answer(429, error, { 'retry-after': String(wait), ...budgetHeaders(options.limiter, key) }, { cost });
      }
      options.principals.set(request, result.principal);
    },
  };
}
