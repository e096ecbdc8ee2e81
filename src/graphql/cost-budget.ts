/**
 * The yoga plugin that prices each operation before it runs (src/graphql/cost.ts): over the
 * per-operation limit it is refused (`COST_LIMIT_EXCEEDED`); otherwise its cost is spent from
 * the API key's budget (429 `RATE_LIMITED` when the budget cannot cover it). Every GraphQL
 * response says what it cost in `extensions.cost`, and carries the budget in `RateLimit-*` headers.
 * The key has already spent 1 point when it was let in (src/auth/http-auth.ts): the floor of
 * every request, also of one that never gets as far as being priced.
 */
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import type { Principals } from '../auth/http-auth.js';
import { budgetHeaders, budgetRefusal, type RateLimiter } from '../auth/rate-limit.js';
import { operationCost } from './cost.js';

/** `extensions.cost` of a response. */
export interface CostExtension {
  /** The operation's computed cost (1 for a request that was never priced: it did not parse, validate or coerce). */
  requested: number;
  /** The most one operation may cost. */
  limit: number;
  /** The points the key has left now; null when the budget is off. */
  remaining: number | null;
}

/**
 * The HTTP status yoga gives a document it refuses at validation, so a refusal here reads the
 * same: 400 to a client that accepts application/graphql-response+json, 200 under application/json.
 */
const AS_VALIDATION_ERROR = { status: 400, spec: true };

export function useCostBudget(options: { limiter: RateLimiter; principals: Principals; maxCost: number }): Plugin {
  const { limiter, principals, maxCost } = options;
  const requested = new WeakMap<Request, number>();
  const keyOf = (request: Request) => principals.get(request)?.name ?? null;

  /** Prices the operation and spends its cost: the error that refuses it, or null when it may run. */
  const admit = (args: ExecutionArgs): GraphQLError | null => {
    const request = (args.contextValue as { request?: Request } | undefined)?.request;
    // An operation that cannot run (variables that do not coerce…) is refused by execution itself.
    const priced = operationCost(args.schema, args.document, args.variableValues, args.operationName);
    if (!priced.ok) return null;
    const cost = Math.max(1, priced.cost);
    if (request) requested.set(request, cost);
    if (cost > maxCost) {
      return new GraphQLError(
        `operation cost ${cost} exceeds the limit of ${maxCost}: ask for smaller pages (first) or fewer nested lists (docs/security.md, "Cost")`,
        {
          extensions: { code: 'COST_LIMIT_EXCEEDED', cost, limit: maxCost, http: AS_VALIDATION_ERROR },
        },
      );
    }
    const key = request ? keyOf(request) : null;
    if (key === null) return null;
    // The floor of 1 was spent at the door.
    const wait = limiter.take(key, cost - 1);
    if (wait === null) return null;
    return new GraphQLError(budgetRefusal(key, limiter, wait, cost), {
      extensions: { code: 'RATE_LIMITED', http: { status: 429, headers: { 'retry-after': String(wait) } } },
    });
  };

  const withCost = (request: Request, result: ExecutionResult): ExecutionResult => {
    const key = keyOf(request);
    const cost: CostExtension = {
      requested: requested.get(request) ?? 1,
      limit: maxCost,
      remaining: key !== null && limiter.enabled ? limiter.remaining(key) : null,
    };
    return { ...result, extensions: { ...result.extensions, cost } };
  };

  /** Queries and mutations (onExecute) and subscriptions (onSubscribe) are priced alike. */
  const refuseOverBudget = ({
    args,
    setResultAndStopExecution,
  }: {
    args: ExecutionArgs;
    setResultAndStopExecution(result: ExecutionResult): void;
  }) => {
    const refusal = admit(args);
    if (refusal) setResultAndStopExecution({ errors: [refusal] });
  };

  return {
    onExecute: refuseOverBudget,
    onSubscribe: refuseOverBudget,
    onResultProcess({ request, result, setResult }) {
      if (isAsyncIterable(result)) setResult(mapAsyncIterator(result, (each) => withCost(request, each)));
      else if (Array.isArray(result)) setResult(result.map((each) => withCost(request, each)));
      else setResult(withCost(request, result));
    },
    onResponse({ request, response }) {
      const key = keyOf(request);
      if (key === null || !limiter.enabled) return;
      for (const [name, value] of Object.entries(budgetHeaders(limiter, key))) response.headers.set(name, value);
    },
  };
}
