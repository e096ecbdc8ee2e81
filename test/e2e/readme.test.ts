/** The README's first session, run as written: if it stops working, the README is wrong. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const session = readme.slice(readme.indexOf('## A first session'));
const blocks = [...session.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('README first session', () => {
  it('has the steps: open accounts, post, read balances, make a mistake', () => {
    expect(blocks).toHaveLength(4);
  });

  it('runs every step without an error and ends with the balances it promises', async () => {
    const [open, post, read] = blocks as [string, string, string];
    const opened = await server.gql(open);
    expect(opened.body.errors).toBeUndefined();
    expect(opened.body.data.bank.__typename).toBe('Account');
    expect(opened.body.data.capital.__typename).toBe('Account');

    const first = await server.gql(post);
    expect(first.body.data.postTransaction.__typename).toBe('Transaction');
    // "Run it twice: the second answer is the same transaction, not a second posting."
    const second = await server.gql(post);
    expect(second.body.data.postTransaction).toEqual(first.body.data.postTransaction);

    const balances = await server.gql(read);
    expect(balances.body.errors).toBeUndefined();
    expect(balances.body.data.accounts.edges.map((e: any) => [e.node.code, e.node.balance.posted.amount])).toEqual([
      ['assets:bank:checking', '1000.00'],
      ['equity:capital', '1000.00'],
    ]);
  });

  it('answers the mistakes as the README says, and writes nothing', async () => {
    const mistake = blocks[3]!;
    const typename = async (document: string) => (await server.gql(document)).body.data.postTransaction.__typename;
    expect(await typename(mistake)).toBe('InvalidAmount');
    expect(await typename(mistake.replace('"10.001"', '"10.00"'))).toBe('UnbalancedTransaction');
    expect(await typename(mistake.replace('"assets:bank:checking"', '"assets:nope"'))).toBe('AccountNotFound');
    const asNumber = await server.gql(mistake.replace('"10.001"', '10.5'));
    expect(asNumber.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const balance = await server.gql(
      `{ account(code: "assets:bank:checking") { version balance { posted { amount } } } }`,
    );
    expect(balance.body.data.account).toEqual({ version: 2, balance: { posted: { amount: '1000.00' } } });
  });
});
