import { describe, expect, it } from 'vitest';
import { nestingDepth } from '../../src/graphql/nesting-guard.js';

describe('nestingDepth', () => {
  it('counts braces, brackets and parentheses', () => {
    expect(nestingDepth('{ a { b(x: [[1]]) } }')).toBe(5);
    expect(nestingDepth('query { __typename }')).toBe(1);
  });
  it('ignores brackets inside strings, block strings and comments', () => {
    expect(nestingDepth('{ a(x: "[[[[{{{{") }')).toBe(2);
    expect(nestingDepth('{ a(x: "\\"[[[") }')).toBe(2);
    expect(nestingDepth('{ a(x: """ [[[[ " {{{ """) }')).toBe(2);
    expect(nestingDepth('# {{{{{{\n{ a }')).toBe(1);
  });
  // Found by a red-team pass: a hand-written scanner ended comments only at \n and missed \""" in block strings.
  it('ends comments and strings where graphql-js does, so nothing hides nesting from the count', () => {
    const deep = `{ a(x: ${'['.repeat(70)}1${']'.repeat(70)}) }`;
    expect(nestingDepth(deep)).toBe(72);
    expect(nestingDepth(`# comment ended by a bare CR\r${deep}`)).toBe(72);
    expect(nestingDepth(`{ b(d: """ an escaped \\""" inside """) } ${deep}`)).toBe(72);
    expect(nestingDepth(`{ b(d: "ends\\\\") } ${deep}`)).toBe(72);
  });
  it('counts what comes before a lexing error, and stops there', () => {
    expect(nestingDepth(`${'['.repeat(100)} ~`)).toBe(100);
    expect(nestingDepth('~ {{{')).toBe(0);
  });
});
