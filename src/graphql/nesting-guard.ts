/**
 * Refuses documents nested deeper than any real query before graphql-js parses them.
 * graphql-js parses recursively: a 10,000-deep list literal overflows the stack even under
 * the token limit (one token per level), which would surface as an unexpected error.
 * Depth is counted on graphql-js's own lexer (iterative), so comments, strings and block
 * strings end exactly where the parser thinks they do.
 */
import { Lexer, Source, TokenKind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badInput } from './bad-input.js';

export const MAX_NESTING = 64;

const OPEN = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSE = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/** Deepest bracket nesting ({, [, ( ) of the document's tokens; a lexing error stops the count (the parser reports it). */
export function nestingDepth(source: string): number {
  const lexer = new Lexer(new Source(source));
  let depth = 0;
  let deepest = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (OPEN.has(token.kind)) deepest = Math.max(deepest, ++depth);
      else if (CLOSE.has(token.kind)) depth--;
    }
  } catch {
    // Not a valid document: the parser will say why.
  }
  return deepest;
}

export function nestingGuard(max = MAX_NESTING): Plugin {
  return {
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (nestingDepth(source) > max) {
        throw badInput(`Syntax Error: the document is nested more than ${max} levels deep.`);
      }
    },
  };
}
