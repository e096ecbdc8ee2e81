/**
 * Strict scalars. A value that breaks a rule is refused with a GraphQLError that names
 * the rule (a plain Error would be masked as "Unexpected error.").
 */
import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql';
import { decimalSyntaxError } from '../domain/money.js';
import { builder } from './builder.js';

const refuse = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

builder.scalarType('Decimal', {
  description:
    'An exact decimal written as a JSON string in plain notation, e.g. "1234.50": no exponent, no "+", no separators or leading zeros, at most 40 digits. Never a JSON number.',
  serialize: (value) => value,
  parseValue: (value) => parseDecimal(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw refuse('Decimal must be a string such as "12.50", not a number literal');
    return parseDecimal(ast.value);
  },
});

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string') throw refuse(`Decimal must be a JSON string such as "12.50", not ${describe(value)}`);
  const error = decimalSyntaxError(value);
  if (error) throw refuse(`Decimal "${value.slice(0, 50)}": ${error}`);
  return value;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

builder.scalarType('DateTime', {
  description:
    'An instant in RFC 3339 with an explicit offset ("Z" or "±hh:mm") and at most millisecond precision, e.g. "2026-01-31T12:00:00Z". Always returned in UTC with milliseconds.',
  serialize: (value) => value,
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw refuse('DateTime must be an RFC 3339 string, not a number or other literal');
    return parseDateTime(ast.value);
  },
});

/** Normalises to the stored form: UTC, milliseconds, "Z" — so text order is time order. */
export function parseDateTime(value: unknown): string {
  if (typeof value !== 'string') throw refuse(`DateTime must be an RFC 3339 string, not ${describe(value)}`);
  const m = RFC3339.exec(value);
  if (!m) throw refuse(`DateTime "${value.slice(0, 50)}" is not RFC 3339 with an explicit offset and at most millisecond precision (e.g. "2026-01-31T12:00:00Z")`);
  const [, year, month, day, hour, minute, second, , offset] = m;
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const local = new Date(0);
  local.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  if (local.getUTCFullYear() !== Number(year) || local.getUTCMonth() !== Number(month) - 1 || local.getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    throw refuse(`DateTime "${value}" is not a real calendar instant`);
  }
  if (offset !== 'Z' && (Number(offset!.slice(1, 3)) > 23 || Number(offset!.slice(4, 6)) > 59)) throw refuse(`DateTime "${value}" has an impossible offset`);
  const instant = new Date(Date.parse(value));
  if (Number.isNaN(instant.getTime()) || instant.getUTCFullYear() < 1 || instant.getUTCFullYear() > 9999) {
    throw refuse(`DateTime "${value}" is out of range (years 0001 to 9999 in UTC)`);
  }
  return instant.toISOString();
}

builder.scalarType('JSON', {
  description: 'Any JSON value. Metadata must be a JSON object of at most 16 KiB.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
