/**
 * Refuses documents nested deeper than any real query before graphql-js parses them.
 * graphql-js parses recursively: a 10,000-deep list literal overflows the stack even under
 * the token limit (one token per level), which would surface as an unexpected error.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const MAX_NESTING = 64;

/** Deepest bracket nesting ({, [, ( ) outside strings and comments. */
export function nestingDepth(source: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        i = end < 0 ? source.length : end + 2;
      } else {
        for (i++; i < source.length && source[i] !== '"' && source[i] !== '\n'; i++) if (source[i] === '\\') i++;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === '}' || c === ']' || c === ')') {
      depth--;
    }
  }
  return deepest;
}

export function nestingGuard(max = MAX_NESTING): Plugin {
  return {
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (nestingDepth(source) > max) {
        throw new GraphQLError(`Syntax Error: the document is nested more than ${max} levels deep.`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
    },
  };
}
