/**
 * What the access log and the metrics say of one request, gathered as yoga handles it: the
 * operation's name and type, the caller's key name, the outcome and the cost. A plugin fills the
 * object the HTTP handler created for the request (found through the request), and the handler
 * reads it once the response is finished.
 */
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Principals } from '../auth/http-auth.js';

export interface RequestFacts {
  operationName: string | null;
  operationType: string | null;
  keyName: string | null;
  /** "ok", or the first error's extensions.code; null until a result was sent. */
  outcome: string | null;
  cost: number | null;
  /** The ledger its path named (issue 24); null for a path that serves none. */
  ledger: string | null;
}

export const newFacts = (): RequestFacts => ({
  operationName: null,
  operationType: null,
  keyName: null,
  outcome: null,
  cost: null,
  ledger: null,
});

/** The operation a document runs: the one named, or its only one. */
function operationOf(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  return name ? operations.find((o) => o.name?.value === name) : operations.length === 1 ? operations[0] : undefined;
}

/** Fills each request's facts (found by `factsOf`) as yoga parses, runs and answers it. */
export function useRequestFacts(
  factsOf: (request: Request) => RequestFacts | undefined,
  principals: Principals,
): Plugin {
  return {
    onParams({ params, request }) {
      const facts = factsOf(request);
      if (facts && typeof params.operationName === 'string') facts.operationName = params.operationName;
    },
    onParse({ params, context }) {
      return ({ result }) => {
        const facts = factsOf((context as { request: Request }).request);
        if (!facts || !result || !('definitions' in result)) return;
        const operation = operationOf(result, facts.operationName ?? params.options?.operationName);
        facts.operationType = operation?.operation ?? null;
        facts.operationName ??= operation?.name?.value ?? null;
      };
    },
    onResultProcess({ result, request }) {
      const facts = factsOf(request);
      if (!facts) return;
      facts.keyName = principals.get(request)?.name ?? null;
      const first = Array.isArray(result) ? result[0] : result;
      const sent = first as {
        errors?: Array<{ extensions?: { code?: unknown } }>;
        extensions?: { cost?: { requested?: unknown } };
      };
      const code = sent?.errors?.[0]?.extensions?.code;
      facts.outcome = sent?.errors?.length ? (typeof code === 'string' ? code : 'ERROR') : 'ok';
      const cost = sent?.extensions?.cost?.requested;
      if (typeof cost === 'number') facts.cost = cost;
    },
  };
}
