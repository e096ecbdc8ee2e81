/**
 * In development, introspection needs no API key. GraphiQL fetches the schema as its page opens,
 * before anyone has pasted a key into its Headers pane: with a key required, its first load showed
 * an UNAUTHENTICATED error and an empty Docs pane (issue 23). The schema is no secret — it is
 * checked in as schema/schema.graphql —, the ledger's data is: only a document whose every
 * operation is a query selecting `__schema` or `__type` (and at most `__typename` beside them)
 * at its root goes through without a key. src/server.ts turns this on only outside production, and only
 * when introspection is on.
 */
import { type DocumentNode, parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

/** The root fields of the document's operations, or null when one is not a query or not a plain field. */
function rootFields(document: DocumentNode): string[] | null {
  const fields: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') continue;
    if (definition.kind !== 'OperationDefinition' || definition.operation !== 'query') return null;
    for (const selection of definition.selectionSet.selections) {
      // A fragment spread at the root could select any field: not plain introspection.
      if (selection.kind !== 'Field') return null;
      fields.push(selection.name.value);
    }
  }
  return fields;
}

/** Whether this text is a document of introspection queries only (false when it does not parse). */
export function isIntrospectionOnly(query: string, maxTokens: number): boolean {
  let document: DocumentNode;
  try {
    // The token cap keeps a hostile text, sent without a key, from costing more than a normal parse.
    document = parse(query, { maxTokens });
  } catch {
    return false;
  }
  const fields = rootFields(document) ?? [];
  return fields.every((field) => INTROSPECTION_FIELDS.has(field)) && fields.some((field) => field !== '__typename');
}

/** The request's query text (GET parameter or JSON body, which stays readable for yoga), or null. */
async function queryText(request: Request): Promise<string | null> {
  if (request.method === 'GET') return new URL(request.url).searchParams.get('query');
  if (request.method !== 'POST') return null;
  try {
    const body = (await request.clone().json()) as { query?: unknown } | null;
    return typeof body?.query === 'string' ? body.query : null;
  } catch {
    return null;
  }
}

/** Marks the requests that are introspection only, in `anonymous`, for useApiKeys to let in. */
export function useAnonymousIntrospection(anonymous: WeakSet<Request>, maxTokens: number): Plugin {
  return {
    async onRequest({ request }) {
      const query = await queryText(request);
      if (query !== null && isIntrospectionOnly(query, maxTokens)) anonymous.add(request);
    },
  };
}
