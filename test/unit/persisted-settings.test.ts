/** INKWELL_PERSISTED_ONLY, INKWELL_PERSISTED_OPERATIONS and the APQ limits: defaults, and starts refused. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.js';
import { loadPersistedList } from '../../src/graphql/persisted-list.js';

const dir = mkdtempSync(join(tmpdir(), 'inkwell-list-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('persisted operation settings', () => {
  it('default to APQ on, no list, not persisted-only', () => {
    const config = configFromEnv({});
    expect(config.persistedOnly).toBe(false);
    expect(config.persistedOperations).toBeNull();
    expect(config.apq).toEqual({ maxEntries: 1000, maxBytes: 8 * 1024 * 1024 });
  });

  it('refuse persisted-only without a list, and a flag that is not true or false', () => {
    expect(() => configFromEnv({ INKWELL_PERSISTED_ONLY: 'true' })).toThrow(
      'INKWELL_PERSISTED_ONLY=true needs INKWELL_PERSISTED_OPERATIONS',
    );
    expect(() => configFromEnv({ INKWELL_PERSISTED_ONLY: 'yes' })).toThrow('"true" or "false"');
    expect(() => configFromEnv({ INKWELL_APQ_MAX_BYTES: '-1' })).toThrow('INKWELL_APQ_MAX_BYTES');
    const config = configFromEnv({
      INKWELL_PERSISTED_ONLY: 'true',
      INKWELL_PERSISTED_OPERATIONS: '/etc/list.json',
      INKWELL_APQ_MAX_ENTRIES: '0',
    });
    expect(config).toMatchObject({ persistedOnly: true, persistedOperations: '/etc/list.json' });
    expect(config.apq.maxEntries).toBe(0);
  });

  it('read a codegen list, and refuse a broken one with the reason', () => {
    const good = file('good.json', JSON.stringify({ 'sha256:ab12': 'query A { __typename }' }));
    expect([...loadPersistedList(good)]).toEqual([['sha256:ab12', 'query A { __typename }']]);
    expect(() => loadPersistedList(join(dir, 'missing.json'))).toThrow('cannot read it as JSON');
    expect(() => loadPersistedList(file('array.json', '[]'))).toThrow('expected a JSON object');
    expect(() => loadPersistedList(file('number.json', '{"a": 1}'))).toThrow('the document of a is not a string');
    expect(() => loadPersistedList(file('parse.json', '{"a": "query {"}'))).toThrow('the document of a does not parse');
    expect(() => loadPersistedList(file('id.json', '{"a b": "{ x }"}'))).toThrow('is not a document id');
  });
});
