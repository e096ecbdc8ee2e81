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
});
