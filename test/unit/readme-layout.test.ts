/**
 * The README's layout names every directory of src/ and every file directly in it, and names
 * nothing that is not there: a newcomer reads it first (issue 18).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const layout = readme.slice(readme.indexOf('## Layout'));
const block = layout.slice(layout.indexOf('```') + 3, layout.indexOf('```', layout.indexOf('```') + 3));

describe('README layout', () => {
  it('names every directory and top-level file of src/', () => {
    const entries = readdirSync(new URL('src/', root)).map((name) => `src/${name}`);
    const named = [...block.matchAll(/^(src\/\S+)/gm)].map((m) => m[1]);
    expect(entries.length).toBeGreaterThan(5);
    expect(named.sort()).toEqual(entries.sort());
  });
});
