/**
 * The yoga plugin that lets a request in: a valid API key first (401 otherwise), then the
 * key's rate limit (429 with Retry-After). It runs before parsing, so a caller without a key
 * learns nothing about the schema, not even from a validation error. GraphiQL's page (an
 * HTML GET) and CORS preflights are answered by yoga before this plugin and need no key.
 * When the key cannot be looked up because the storage failed, the answer is 503 with the
 * fault (and Retry-After), not a 500.
 */
import type { Plugin } from 'graphql-yoga';
import type { Database } from '../store/db.js';
import { authenticate, type Principal } from './api-keys.js';
import type { RateLimiter } from './rate-limit.js';

/** The principal of each admitted request, for the context factory. */
export type Principals = WeakMap<Request, Principal>;

/** One GraphQL error as sent; for a storage fault, src/server.ts writes it (and logs the fault). */
export interface FaultReply {
  message: string;
  extensions: Record<string, unknown>;
}

export function useApiKeys(options: { database: Database; limiter: RateLimiter; principals: Principals; storageFault: (error: unknown) => FaultReply | null }): Plugin {
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      if (request.method === 'OPTIONS') return;
      const answer = (status: number, error: FaultReply, headers: Record<string, string>) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [error] }), {
            status,
            headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
          }),
        );
      const refuse = (status: number, code: string, message: string, headers: Record<string, string>) => answer(status, { message, extensions: { code } }, headers);
      let result: Awaited<ReturnType<typeof authenticate>>;
      try {
        result = await authenticate(options.database.db, request.headers.get('authorization'), new Date().toISOString());
      } catch (error) {
        const fault = options.storageFault(error);
        if (!fault) throw error;
        return answer(503, fault, { 'retry-after': '1' });
      }
      if (!result.ok) {
        // RFC 6750: no error attribute when no credentials were sent at all.
        const challenge = result.failure === 'missing' ? 'Bearer realm="inkwell"' : `Bearer realm="inkwell", error="invalid_token"`;
        return refuse(401, 'UNAUTHENTICATED', result.message, { 'www-authenticate': challenge });
      }
      const wait = options.limiter.take(result.principal.name);
      if (wait !== null) {
        const message = `rate limit of API key "${result.principal.name}" reached (${options.limiter.perSecond} requests/s, bursts of ${options.limiter.burst}): retry in ${wait} s`;
        return refuse(429, 'RATE_LIMITED', message, { 'retry-after': String(wait) });
      }
      options.principals.set(request, result.principal);
    },
  };
}
