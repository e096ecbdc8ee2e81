/** The cost model of src/graphql/cost.ts, on the real schema, without a server. */
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationCost, staleCostEntries, uncountedLists } from '../../src/graphql/cost.js';
import { schema } from '../../src/graphql/schema.js';

const cost = (query: string, variables: Record<string, unknown> = {}, operationName?: string) => {
  const result = operationCost(schema, parse(query), variables, operationName);
  if (!result.ok) throw new Error(result.reason);
  return result.cost;
};

describe('operationCost', () => {
  it('has a rule for every list of objects in the schema, and no rule for a field that is gone', () => {
    expect(uncountedLists(schema)).toEqual([]);
    expect(staleCostEntries(schema)).toEqual([]);
  });

  it('counts a page by its first, its default (20) when omitted, and the cap (100) when out of range', () => {
    const page = 'query($n: Int) { accounts(first: $n) { edges { node { code } } pageInfo { hasNextPage } } }';
    // accounts 1 + pageInfo 2 + edges (1 + n × (node 1 + code 1)).
    expect(cost(page, { n: 7 })).toBe(4 + 7 * 2);
    expect(cost(page)).toBe(4 + 20 * 2);
    expect(cost(page, { n: null })).toBe(4 + 20 * 2);
    for (const n of [0, -1, 101, 2_147_483_647]) expect(cost(page, { n })).toBe(4 + 100 * 2);
  });

  it("counts a transaction's legs at 100 and a batch's results by its transactions", () => {
    expect(cost('{ transaction(id: "t") { entries { direction } } }')).toBe(1 + 1 + 100);
    const batch =
      'mutation($input: PostTransactionsInput!) { postTransactions(input: $input) { results { __typename } } }';
    const leg = { account: 'a', direction: 'DEBIT', amount: '1' };
    const transactions = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        idempotencyKey: `k${i}`,
        entries: [leg, { ...leg, direction: 'CREDIT' }],
      }));
    expect(cost(batch, { input: { transactions: transactions(4) } })).toBe(10 + 1 + 4);
    expect(cost(batch, { input: { transactions: transactions(1000) } })).toBe(10 + 1 + 1000);
  });

  it('counts the dearest member of a union, not their sum', () => {
    const query = `mutation { transfer(input: { idempotencyKey: "k", debitAccount: "a", creditAccount: "b", amount: "1" }) {
      ... on Transaction { id entries { direction } }
      ... on Error { code message }
    } }`;
    expect(cost(query)).toBe(10 + 1 + 1 + 100);
  });

  it('honours @skip and @include with variables, and the selected operation of several', () => {
    const query =
      'query A($big: Boolean!) { accounts(first: 100) @include(if: $big) { edges { cursor } } } query B { __typename }';
    expect(cost(query, { big: true }, 'A')).toBe(2 + 100);
    expect(cost(query, { big: false }, 'A')).toBe(0);
    expect(cost(query, {}, 'B')).toBe(1);
  });

  it('counts fragments where they are spread, and stays fast when they are spread many times', () => {
    expect(
      cost('{ accounts(first: 3) { ...Page } } fragment Page on AccountConnection { edges { node { code } } }'),
    ).toBe(2 + 3 * 2);
    // 8 levels, each spreading the next 10 times: 10^8 paths, counted once per fragment.
    const levels = Array.from(
      { length: 8 },
      (_, i) =>
        `fragment F${i} on Query { ${Array.from({ length: 10 }, () => (i === 7 ? '__typename' : `...F${i + 1}`)).join(' ')} }`,
    );
    const started = Date.now();
    expect(cost(`{ ...F0 } ${levels.join(' ')}`)).toBe(10 ** 8);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not price an operation that cannot run', () => {
    expect(operationCost(schema, parse('query($n: Int!) { accounts(first: $n) { edges { cursor } } }'), {}).ok).toBe(
      false,
    );
    expect(operationCost(schema, parse('query A { __typename } query B { __typename }'), {}).ok).toBe(false);
  });
});
