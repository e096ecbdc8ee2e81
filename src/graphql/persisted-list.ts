/**
 * The allow-list of persisted operations (INKWELL_PERSISTED_OPERATIONS): the
 * `persisted-documents.json` that GraphQL Code Generator's client preset writes with its
 * `persistedDocuments` option, `{ "<hash>": "<document>" }` (docs/clients.md). Read once at
 * start; a file that is not such an object, or holds a document that does not parse, stops the
 * start with the reason rather than refusing every request later.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';

/** A document id as a client may send it: codegen's hex hashes, and any other plain id. */
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Why INKWELL_PERSISTED_ONLY without a list cannot start: it would refuse every request. */
export const LIST_REQUIRED =
  'INKWELL_PERSISTED_ONLY=true needs INKWELL_PERSISTED_OPERATIONS, the list of operations to run';

export function loadPersistedList(file: string): ReadonlyMap<string, string> {
  const fail = (why: string) => new Error(`INKWELL_PERSISTED_OPERATIONS (${file}): ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw fail(`cannot read it as JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw fail('expected a JSON object of { "<hash>": "<document>" }, as codegen writes it');
  const list = new Map<string, string>();
  for (const [id, document] of Object.entries(parsed)) {
    if (!ID.test(id)) throw fail(`"${id.slice(0, 40)}" is not a document id (letters, digits, _ . : -, up to 128)`);
    if (typeof document !== 'string') throw fail(`the document of ${id} is not a string`);
    try {
      parse(document);
    } catch (error) {
      throw fail(`the document of ${id} does not parse: ${(error as Error).message}`);
    }
    list.set(id, document);
  }
  return list;
}
