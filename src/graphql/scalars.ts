/**
 * Strict scalars. A value that breaks a rule is refused with a GraphQLError that names
 * the rule (a plain Error would be masked as "Unexpected error.").
 */
import { Kind, valueFromASTUntyped } from 'graphql';
import { decimalSyntaxError } from '../domain/money.js';
import { parseInstant } from '../domain/time.js';
import { builder } from './builder.js';
import { badInput } from './bad-input.js';
import { SAY } from './limit-text.js';

builder.scalarType('Decimal', {
  description:
    'An exact decimal written as a JSON string in plain notation, e.g. "1234.50": no exponent, no "+", no separators or leading zeros, at most 40 digits. Never a JSON number.',
  serialize: (value) => value,
  parseValue: (value) => parseDecimal(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badInput('Decimal must be a string such as "12.50", not a number literal');
    return parseDecimal(ast.value);
  },
});

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string')
    throw badInput(`Decimal must be a JSON string such as "12.50", not ${describe(value)}`);
  const error = decimalSyntaxError(value);
  if (error) throw badInput(`Decimal "${value.slice(0, 50)}": ${error}`);
  return value;
}

builder.scalarType('DateTime', {
  description:
    'An instant in RFC 3339 with an explicit offset ("Z" or "±hh:mm") and at most millisecond precision, e.g. "2026-01-31T12:00:00Z". Always returned in UTC with milliseconds.',
  serialize: (value) => value,
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime must be an RFC 3339 string, not a number or other literal');
    return parseDateTime(ast.value);
  },
});

/** The DateTime rules (src/domain/time.ts), refused as a GraphQL input error. */
export function parseDateTime(value: unknown): string {
  try {
    return parseInstant(value);
  } catch (error) {
    throw badInput((error as Error).message);
  }
}

builder.scalarType('JSON', {
  description: `Any JSON value. Metadata must be a JSON object of at most ${SAY.metadata}.`,
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
