/**
 * Metadata paths, changes and predicates as pure rules (issue 19, points 2 and 3). A path names a
 * value inside a metadata object by its keys, joined by ".": "customer.id" is metadata.customer.id.
 * Only declared paths can be filtered (ledger/metadata-indexes.ts); the rules here are shared by
 * the index that stores values, the searches that read it and the brute force the tests run.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from './errors.js';
import { canonicalJson, type Json, type JsonObject } from './json.js';
import { checkMetadata, MAX_METADATA_PATH_KEYS, MAX_METADATA_PREDICATES, MAX_METADATA_VALUES } from './limits.js';

/** What carries metadata an index can be declared on. */
export const METADATA_TARGETS = ['TRANSACTION', 'ACCOUNT'] as const;
export type MetadataTarget = (typeof METADATA_TARGETS)[number];

/** A key of a path: 1 to 64 letters, digits, "_" and "-". */
const PATH_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

export function checkMetadataPath(path: string, field: string): string {
  const segments = path.split('.');
  if (segments.length > MAX_METADATA_PATH_KEYS || !segments.every((s) => PATH_SEGMENT.test(s)))
    throw new ValidationError(
      field,
      `"${path.slice(0, 80)}" is not a metadata path: 1 to ${MAX_METADATA_PATH_KEYS} keys of letters, digits, "_" or "-", joined by "." ("customer.id")`,
    );
  return path;
}

/** The value at a path, or undefined when a key on the way is missing or not an object. */
export function valueAt(metadata: JsonObject | null, path: string): Json | undefined {
  let value: Json | undefined = metadata ?? undefined;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, key) ? value[key] : undefined;
  }
  return value;
}

/**
 * How an index stores a value: its canonical JSON, or — past 200 characters — a digest of it, so
 * an index entry stays small on every database (a PostgreSQL index row must fit in a page).
 * Canonical JSON never starts with "sha256:", so the two forms cannot meet.
 */
export function indexedValue(value: Json): string {
  const json = canonicalJson(value);
  return json.length <= 200 ? json : `sha256:${createHash('sha256').update(json).digest('hex')}`;
}

/** A change to a transaction's metadata: paths to set (each to a JSON value) and paths to remove. */
export interface MetadataChange {
  set: Record<string, Json>;
  unset: string[];
}

/** Checks a change as a client sent it; a path may not be both set and unset. */
export function checkMetadataChange(set: unknown, unset: readonly string[] | null | undefined): MetadataChange {
  if (set != null && (typeof set !== 'object' || Array.isArray(set)))
    throw new ValidationError('set', 'must be a JSON object of path → value');
  const entries = Object.entries((set ?? {}) as Record<string, Json>);
  for (const [path] of entries) checkMetadataPath(path, 'set');
  const removed = [...new Set(unset ?? [])].map((path) => checkMetadataPath(path, 'unset'));
  const both = removed.find((path) => entries.some(([p]) => p === path));
  if (both !== undefined) throw new ValidationError('unset', `"${both}" is both set and unset`);
  if (entries.length === 0 && removed.length === 0)
    throw new ValidationError('set', 'name at least one path to set or unset');
  return { set: Object.fromEntries(entries), unset: removed };
}

/**
 * The metadata once the change is applied: paths unset first, then set (creating objects on the
 * way, replacing a value that is not one). The result obeys the metadata limits; empty is null.
 */
export function applyMetadataChange(metadata: JsonObject | null, change: MetadataChange): JsonObject | null {
  const result = structuredClone(metadata ?? {});
  for (const path of change.unset) {
    const keys = path.split('.');
    const parent = objectAt(result, keys.slice(0, -1), false);
    if (parent) delete parent[keys[keys.length - 1]!];
  }
  for (const [path, value] of Object.entries(change.set)) {
    const keys = path.split('.');
    objectAt(result, keys.slice(0, -1), true)![keys[keys.length - 1]!] = value;
  }
  return Object.keys(result).length === 0 ? null : checkMetadata(result);
}

function objectAt(root: JsonObject, keys: string[], create: boolean): JsonObject | null {
  let node = root;
  for (const key of keys) {
    const next = node[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next;
    else if (!create) return null;
    else node = node[key] = {};
  }
  return node;
}

/** A condition on the value at a path: exactly one of eq, in, exists. */
export interface MetadataPredicateInput {
  path: string;
  eq?: unknown;
  in?: readonly unknown[] | null;
  exists?: boolean | null;
}

/** A checked predicate: `values` are indexed forms (indexedValue); exists false means the path is absent. */
export type MetadataPredicate = { path: string; values: string[] } | { path: string; exists: boolean };

export function checkMetadataPredicates(
  inputs: readonly MetadataPredicateInput[] | null | undefined,
  field: string,
): MetadataPredicate[] | undefined {
  if (inputs == null) return undefined;
  if (inputs.length > MAX_METADATA_PREDICATES)
    throw new ValidationError(field, `at most ${MAX_METADATA_PREDICATES} predicates`);
  return inputs.map((input) => {
    const path = checkMetadataPath(input.path, `${field}.path`);
    const given = [input.eq !== undefined, input.in != null, input.exists != null].filter(Boolean).length;
    if (given !== 1) throw new ValidationError(field, `"${path}": give exactly one of eq, in and exists`);
    if (input.exists != null) return { path, exists: input.exists };
    const values = input.in ?? [input.eq];
    if (values.length === 0 || values.length > MAX_METADATA_VALUES)
      throw new ValidationError(`${field}.in`, `1 to ${MAX_METADATA_VALUES} values`);
    for (const value of values)
      if (value === null) throw new ValidationError(field, `"${path}": null matches nothing; use exists`);
    // Values pass the metadata rules (finite numbers, well-formed strings), as stored values do.
    checkMetadata({ values });
    return { path, values: values.map((value) => indexedValue(value as Json)) };
  });
}

/** Whether metadata meets every predicate (the brute force the indexed searches answer to). */
export function metadataMatches(predicates: readonly MetadataPredicate[], metadata: JsonObject | null): boolean {
  return predicates.every((predicate) => {
    const value = valueAt(metadata, predicate.path);
    if ('exists' in predicate) return (value !== undefined) === predicate.exists;
    return value !== undefined && predicate.values.includes(indexedValue(value));
  });
}
