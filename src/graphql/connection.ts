/**
 * Relay connections with opaque keyset cursors. Only forward paging (`first`, `after`):
 * a ledger is read in order, and keysets stay fast at any depth.
 */
import type { ObjectRef } from '@pothos/core';
import { builder } from './builder.js';
import { badInput } from './bad-input.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_POSITION } from '../domain/limits.js';

export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}, not ${first}`);
  }
  return first;
}

/** A cursor is base64url JSON naming what it pages over, so a cursor of one list is refused by another. */
export function encodeCursor(kind: string, key: string | number): string {
  return Buffer.from(JSON.stringify([kind, key])).toString('base64url');
}

export function decodeCursor<K extends 'string' | 'number'>(
  kind: string,
  cursor: string | null | undefined,
  keyType: K,
): (K extends 'string' ? string : number) | undefined {
  if (cursor == null) return undefined;
  const invalid = () => badInput(`after: not a cursor of this list (${kind})`);
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]*$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || parsed[0] !== kind || typeof parsed[1] !== keyType)
    throw invalid();
  // Keys stay inside what every column can compare (int4 versions; no NUL in text for PostgreSQL).
  if (keyType === 'number' && !(Number.isSafeInteger(parsed[1]) && parsed[1] >= 0 && parsed[1] <= MAX_POSITION))
    throw invalid();
  if (keyType === 'string' && !/^[\x20-\x7e]{1,200}$/.test(parsed[1])) throw invalid();
  return parsed[1];
}

export interface Page<T> {
  edges: Array<{ node: T; cursor: string }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** Turns `limit + 1` fetched rows into a page. */
export function toPage<T>(
  rows: T[],
  limit: number,
  after: string | null | undefined,
  cursorOf: (row: T) => string,
): Page<T> {
  const nodes = rows.slice(0, limit);
  const edges = nodes.map((node) => ({ node, cursor: cursorOf(node) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > limit,
      hasPreviousPage: after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

const PageInfoRef = builder.objectRef<Page<unknown>['pageInfo']>('PageInfo').implement({
  description: 'Where a page sits in its list.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', {
      description: 'Whether a page follows; fetch it with after: endCursor.',
    }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', {
      description: 'Whether this page was reached with a cursor.',
    }),
    startCursor: t.exposeString('startCursor', { nullable: true, description: 'The cursor of the first edge.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'The cursor of the last edge.' }),
  }),
});

/** Declares `<Name>Connection` and `<Name>Edge` for a node type, with any fields of the whole list. */
export function connectionType<T, P extends Page<T> = Page<T>>(
  name: string,
  node: ObjectRef<any, T>,
  what: string,
  listFields?: (t: any) => Record<string, any>,
) {
  const edge = builder.objectRef<{ node: T; cursor: string }>(`${name}Edge`).implement({
    description: `One ${what} and its cursor.`,
    fields: (t) => ({
      node: t.field({ type: node, description: `The ${what}.`, resolve: (e) => e.node as any }),
      cursor: t.exposeString('cursor', { description: 'Opaque; pass as `after` to read on.' }),
    }),
  });
  return builder.objectRef<P>(`${name}Connection`).implement({
    description: `A page of ${what}s.`,
    fields: (t) => ({
      edges: t.field({ type: [edge], description: `The ${what}s of this page, in order.`, resolve: (p) => p.edges }),
      pageInfo: t.field({ type: PageInfoRef, description: 'Paging information.', resolve: (p) => p.pageInfo }),
      ...listFields?.(t),
    }),
  });
}
