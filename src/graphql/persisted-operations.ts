/**
 * Persisted operations (docs/api.md, "Persisted operations"): the Automatic Persisted Queries
 * protocol — `extensions.persistedQuery { version: 1, sha256Hash }` — and the allow-list mode
 * of production (INKWELL_PERSISTED_ONLY). It only swaps a hash for its text before parsing:
 * the document then goes through the same limits (depth, tokens, cost, key budget) as any other.
 * yoga's usePersistedOperations does the lookup but neither learns texts (APQ) nor accepts a
 * text sent with its listed hash, which Apollo's link does, hence this plugin.
 */
import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ApqStore, type ApqLimits } from './apq-store.js';
import { LIST_REQUIRED, loadPersistedList } from './persisted-list.js';

export interface PersistedOperations {
  /** The allow-list, id → document (INKWELL_PERSISTED_OPERATIONS); null: none. */
  list: ReadonlyMap<string, string> | null;
  /** Only listed documents run; APQ learns nothing (INKWELL_PERSISTED_ONLY). */
  only: boolean;
  apq: ApqStore;
}

const HASH = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Refused like a document that fails validation: 400, or 200 to an application/json client. */
function refusal(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400, spec: true } } });
}

const GUIDE = 'docs/api.md, "Persisted operations"';

/** The hash a request names, or undefined when it names none; a malformed extension is refused. */
function requestedHash(extensions: Record<string, unknown> | undefined): string | undefined {
  const persisted = extensions?.persistedQuery;
  if (persisted === undefined || persisted === null) return undefined;
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  if (typeof persisted !== 'object' || version !== 1 || typeof sha256Hash !== 'string' || !HASH.test(sha256Hash))
    throw refusal('BAD_REQUEST', `extensions.persistedQuery must be { version: 1, sha256Hash: "<hex>" } (${GUIDE})`);
  return sha256Hash;
}

/** The settings as the server takes them (INKWELL_PERSISTED_ONLY, INKWELL_PERSISTED_OPERATIONS, INKWELL_APQ_MAX_*). */
export interface PersistedSettings {
  persistedOnly?: boolean;
  /** The list file's path. */
  persistedOperations?: string | null;
  apq?: ApqLimits;
}

/** The plugin for these settings; the list file is read here, once, at start. */
export function persistedOperations(settings: PersistedSettings): Plugin {
  const only = settings.persistedOnly ?? false;
  const file = settings.persistedOperations ?? null;
  if (only && !file) throw new Error(LIST_REQUIRED);
  return usePersistedOperations({
    list: file ? loadPersistedList(file) : null,
    only,
    apq: new ApqStore(settings.apq),
  });
}

export function usePersistedOperations(options: PersistedOperations): Plugin {
  const { list, only, apq } = options;
  /** Texts sent with their hash, stored once they validate: a broken query is not worth a slot. */
  const learning = new WeakMap<object, { hash: string; query: string }>();

  return {
    onParams({ params, setParams, context }) {
      const hash = requestedHash(params.extensions);
      const query = typeof params.query === 'string' && params.query !== '' ? params.query : null;
      if (hash === undefined) {
        if (only)
          throw refusal(
            'PERSISTED_QUERY_REQUIRED',
            `this server runs only its listed operations: send extensions.persistedQuery with the hash of one (${GUIDE})`,
          );
        return;
      }
      const listed = list?.get(hash);
      if (listed !== undefined) {
        if (query !== null && query !== listed)
          throw refusal('PERSISTED_QUERY_HASH_MISMATCH', `the query sent is not the listed document ${hash}`);
        return setParams({ ...params, query: listed });
      }
      if (only) throw refusal('PERSISTED_QUERY_NOT_IN_LIST', `no listed operation has the hash ${hash} (${GUIDE})`);
      if (query === null) {
        const stored = apq.get(hash);
        // The APQ protocol's signal: the client sends the text with the hash, once.
        if (stored === null)
          throw new GraphQLError('PersistedQueryNotFound', {
            extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400, spec: true } },
          });
        return setParams({ ...params, query: stored });
      }
      // One hash of at most a body's bytes (1 MiB by default): well under a millisecond.
      if (createHash('sha256').update(query).digest('hex') !== hash)
        throw refusal('PERSISTED_QUERY_HASH_MISMATCH', `sha256Hash is not the SHA-256 (hex) of the query sent`);
      learning.set(context, { hash, query });
    },
    onValidate({ context }) {
      const learnt = learning.get(context);
      if (!learnt) return;
      return ({ valid }) => {
        if (valid) apq.set(learnt.hash, learnt.query);
      };
    },
  };
}
