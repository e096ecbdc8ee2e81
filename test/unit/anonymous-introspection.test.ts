/** Which documents count as introspection only, and so need no key in development. */
import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isIntrospectionOnly } from '../../src/auth/anonymous-introspection.js';

const only = (query: string) => isIntrospectionOnly(query, 2000);

describe('isIntrospectionOnly', () => {
  it("accepts GraphiQL's introspection query and plain __schema / __type queries", () => {
    expect(only(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }))).toBe(true);
    expect(only('{ __schema { queryType { name } } }')).toBe(true);
    expect(only('query { __typename __type(name: "Account") { name } }')).toBe(true);
  });

  it('refuses anything that reaches ledger data, or is not a query, or does not parse', () => {
    for (const query of [
      '{ __typename }',
      '{ __schema { queryType { name } } accounts(first: 1) { edges { cursor } } }',
      '{ ...F } fragment F on Query { accounts { edges { cursor } } }',
      '{ ... on Query { __schema { queryType { name } } } }',
      'query A { __schema { queryType { name } } } query B { accounts { edges { cursor } } }',
      'mutation { __schema { queryType { name } } }',
      'subscription { __schema { queryType { name } } }',
      '{ __schema { queryType { name } }',
      '',
    ])
      expect(only(query), query).toBe(false);
  });

  it('refuses a text past the token cap without parsing it whole', () => {
    const deep = `{ __schema { ${'types { '.repeat(3000)}name${' }'.repeat(3000)} } }`;
    expect(only(deep)).toBe(false);
  });
});
