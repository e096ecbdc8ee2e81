/**
 * The limits table of docs/security.md states the numbers the code enforces: each row is read
 * from the document and compared with the constant it names, so neither drifts alone.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_QUERY_LIMITS, DEFAULT_RATE_LIMIT } from '../../src/config.js';
import {
  DEFAULT_PAGE_SIZE,
  MAX_BATCH,
  MAX_BATCH_LEGS,
  MAX_CONDITIONS,
  MAX_METADATA_INDEXES,
  MAX_METADATA_PATH_KEYS,
  MAX_METADATA_PREDICATES,
  MAX_METADATA_VALUES,
  MAX_PAGE_SIZE,
} from '../../src/domain/limits.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/store/deadline.js';

const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
const table = doc.slice(doc.indexOf('## Limits'));

/** The "default" cell of the row whose first cell starts with `limit`. */
function defaultOf(limit: string): string {
  const row = table.split('\n').find((line) => line.startsWith(`| ${limit}`));
  if (!row) throw new Error(`no row "${limit}" in the limits table of docs/security.md`);
  return row.split('|')[2]!.trim();
}

/** 20,000 → "20,000", as the document writes numbers. */
const n = (value: number) => value.toLocaleString('en-US');

describe('docs/security.md, "Limits"', () => {
  it.each([
    ['request body', `${DEFAULT_MAX_BODY_BYTES / 1024 / 1024} MiB`],
    ['tokens per document', n(DEFAULT_QUERY_LIMITS.maxTokens)],
    ['field depth', n(DEFAULT_QUERY_LIMITS.maxDepth)],
    ['aliases', n(DEFAULT_QUERY_LIMITS.maxAliases)],
    ['directives', n(DEFAULT_QUERY_LIMITS.maxDirectives)],
    ['cost of one operation', n(DEFAULT_QUERY_LIMITS.maxCost)],
    ['page size', `1 … ${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}`],
    ['`postTransactions`', `${n(MAX_BATCH)} transactions, ${n(MAX_BATCH_LEGS)} legs in all`],
    [
      'metadata predicates per filter',
      `${n(MAX_METADATA_PREDICATES)}, each path at most ${n(MAX_METADATA_PATH_KEYS)} keys, an \`in\` list at most ${n(MAX_METADATA_VALUES)} values`,
    ],
    ['metadata indexes', n(MAX_METADATA_INDEXES)],
    ['balance conditions, expected versions per transaction', `${n(MAX_CONDITIONS)} each`],
    ['time per request', `${DEFAULT_REQUEST_TIMEOUT_MS / 1000} s`],
    [
      'cost budget per API key',
      `${n(DEFAULT_RATE_LIMIT.perSecond)} points/s, up to ${n(DEFAULT_RATE_LIMIT.burst)} saved`,
    ],
  ])('states %s as the code enforces it', (limit, stated) => {
    expect(defaultOf(limit)).toBe(stated);
  });
});
