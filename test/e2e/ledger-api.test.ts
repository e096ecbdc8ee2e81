/** The GraphQL API end to end over a real socket: the newcomer's first session and its edges. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const OPEN = /* GraphQL */ `
  mutation Open($input: OpenAccountInput!) {
    openAccount(input: $input) {
      __typename
      ... on Account { id code name type currency status version minimumBalance metadata }
      ... on Error { code message }
    }
  }
`;
const POST = /* GraphQL */ `
  mutation Post($input: PostTransactionInput!) {
    postTransaction(input: $input) {
      __typename
      ... on Transaction { id status description metadata idempotencyKey effectiveAt recordedAt entries { account { code } direction amount { amount currency } } }
      ... on Error { code message }
    }
  }
`;
/** The helper throws when the answer has errors. */
const balance = (code: string, asOf?: string, knownAt?: string) =>
  api.balance(
    code,
    { asOf, knownAt },
    'posted { amount currency } pending { amount } available { amount } version asOf knownAt',
  );

describe('a first session', () => {
  it('opens two accounts, posts a transaction and reads balances', async () => {
    const bank = await server.gql(OPEN, {
      input: { code: 'assets:bank', name: 'Bank', type: 'ASSET', currency: 'USD' },
    });
    expect(bank.status).toBe(200);
    expect(bank.body.data.openAccount).toMatchObject({
      __typename: 'Account',
      id: 'Account:assets:bank',
      code: 'assets:bank',
      status: 'OPEN',
      version: 1,
    });
    const capital = await server.gql(OPEN, {
      input: { code: 'equity:capital', name: 'Capital', type: 'EQUITY', currency: 'USD' },
    });
    expect(capital.body.data.openAccount.__typename).toBe('Account');

    const posted = await server.gql(POST, {
      input: {
        idempotencyKey: 'first-1',
        description: 'Owner invests',
        metadata: { source: 'readme' },
        entries: [
          { account: 'assets:bank', direction: 'DEBIT', amount: '1000.00' },
          { account: 'equity:capital', direction: 'CREDIT', amount: '1000' },
        ],
      },
    });
    const tx = posted.body.data.postTransaction;
    expect(tx).toMatchObject({
      __typename: 'Transaction',
      status: 'POSTED',
      description: 'Owner invests',
      metadata: { source: 'readme' },
    });
    expect(tx.entries).toEqual([
      { account: { code: 'assets:bank' }, direction: 'DEBIT', amount: { amount: '1000.00', currency: 'USD' } },
      { account: { code: 'equity:capital' }, direction: 'CREDIT', amount: { amount: '1000.00', currency: 'USD' } },
    ]);
    // Both accounts show a positive balance on their normal side.
    expect((await balance('assets:bank')).posted).toEqual({ amount: '1000.00', currency: 'USD' });
    expect((await balance('equity:capital')).posted).toEqual({ amount: '1000.00', currency: 'USD' });

    const fetched = await server.gql(
      `query($id: ID!) { transaction(id: $id) { id description } node(id: $id) { id ... on Transaction { status } } }`,
      { id: tx.id },
    );
    expect(fetched.body.data).toEqual({
      transaction: { id: tx.id, description: 'Owner invests' },
      node: { id: tx.id, status: 'POSTED' },
    });
  });

  it('answers a retry with the same idempotency key with the first result, and refuses a different request', async () => {
    const input = {
      idempotencyKey: 'retry-1',
      entries: [
        { account: 'assets:bank', direction: 'CREDIT', amount: '10.00' },
        { account: 'equity:capital', direction: 'DEBIT', amount: '10.00' },
      ],
    };
    const first = (await server.gql(POST, { input })).body.data.postTransaction;
    const second = (await server.gql(POST, { input })).body.data.postTransaction;
    expect(second).toEqual(first);
    expect((await balance('assets:bank')).posted.amount).toBe('990.00');
    const conflict = (await server.gql(POST, { input: { ...input, description: 'changed' } })).body.data
      .postTransaction;
    expect(conflict).toMatchObject({ __typename: 'IdempotencyConflict', code: 'IDEMPOTENCY_CONFLICT' });
    expect((await balance('assets:bank')).posted.amount).toBe('990.00');
  });

  it('is idempotent on openAccount with identical fields and refuses different ones', async () => {
    const again = await server.gql(OPEN, {
      input: { code: 'assets:bank', name: 'Bank', type: 'ASSET', currency: 'USD' },
    });
    expect(again.body.data.openAccount).toMatchObject({ __typename: 'Account', version: 3 });
    const different = await server.gql(OPEN, {
      input: { code: 'assets:bank', name: 'Bank', type: 'ASSET', currency: 'EUR' },
    });
    expect(different.body.data.openAccount).toMatchObject({
      __typename: 'AccountAlreadyExists',
      code: 'ACCOUNT_ALREADY_EXISTS',
    });
  });

  it('transfers with explicit sides and enforces a minimum balance', async () => {
    await api.openAccount({
      code: 'liabilities:customers:42',
      name: 'Customer 42',
      type: 'LIABILITY',
      minimumBalance: '0',
    });
    const RESULT = '__typename ... on Transaction { id } ... on InsufficientFunds { account available requested }';
    const deposit = await api.transfer(
      {
        idempotencyKey: 't-1',
        debitAccount: 'assets:bank',
        creditAccount: 'liabilities:customers:42',
        amount: '25.50',
      },
      RESULT,
    );
    expect(deposit.__typename).toBe('Transaction');
    const overdraw = await api.transfer(
      {
        idempotencyKey: 't-2',
        debitAccount: 'liabilities:customers:42',
        creditAccount: 'assets:bank',
        amount: '25.51',
      },
      RESULT,
    );
    expect(overdraw).toEqual({
      __typename: 'InsufficientFunds',
      account: 'liabilities:customers:42',
      available: '25.50',
      requested: '25.51',
    });
    expect((await balance('liabilities:customers:42')).posted.amount).toBe('25.50');
  });

  it('pages entries and accounts with opaque cursors and rejects bad page sizes', async () => {
    const first = await server.gql(
      `{ account(code: "assets:bank") { entries(first: 2) { edges { cursor node { amount { amount } } } pageInfo { hasNextPage endCursor } } } }`,
    );
    const page = first.body.data.account.entries;
    expect(page.edges).toHaveLength(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await server.gql(
      `query($after: String) { account(code: "assets:bank") { entries(first: 2, after: $after) { edges { node { amount { amount } } } pageInfo { hasNextPage } } } }`,
      { after: page.pageInfo.endCursor },
    );
    expect(next.body.data.account.entries.edges.map((e: any) => e.node.amount.amount)).toEqual(['25.50']);
    expect(next.body.data.account.entries.pageInfo.hasNextPage).toBe(false);

    for (const first of [0, 101, -1]) {
      const res = await server.gql(`query($n: Int) { accounts(first: $n) { edges { node { code } } } }`, { n: first });
      expect(res.status).toBe(200);
      expect(res.body.errors?.[0]?.message).toMatch(/first must be between 1 and 100/);
    }
    const prefixed = await server.gql(`{ accounts(prefix: "liabilities") { edges { node { code } } } }`);
    expect(prefixed.body.data.accounts.edges).toEqual([{ node: { code: 'liabilities:customers:42' } }]);
  });

  it('closes an account only at zero balance', async () => {
    const CLOSE = `mutation($code: String!) { closeAccount(input: { code: $code }) { __typename ... on Account { status } ... on AccountHasBalance { balance } } }`;
    expect((await server.gql(CLOSE, { code: 'assets:bank' })).body.data.closeAccount).toEqual({
      __typename: 'AccountHasBalance',
      balance: '1015.50',
    });
    await api.openAccount({ code: 'expenses:unused', name: 'Unused', type: 'EXPENSE', currency: 'EUR' });
    expect((await server.gql(CLOSE, { code: 'expenses:unused' })).body.data.closeAccount).toEqual({
      __typename: 'Account',
      status: 'CLOSED',
    });
    const post = await server.gql(POST, {
      input: {
        idempotencyKey: 'closed-1',
        entries: [
          { account: 'expenses:unused', direction: 'DEBIT', amount: '1' },
          { account: 'assets:bank', direction: 'CREDIT', amount: '1' },
        ],
      },
    });
    expect(post.body.data.postTransaction.code).toBe('ACCOUNT_CLOSED');
  });

  it('shows events with audit metadata and echoes the request id', async () => {
    const res = await server.gql(
      `{ account(code: "assets:bank") { events(first: 1) { edges { node { position version type schemaVersion hash metadata { actor requestId command } } } } } }`,
      undefined,
      { 'x-request-id': 'req-abc' },
    );
    expect(res.headers.get('x-request-id')).toBe('req-abc');
    const event = res.body.data.account.events.edges[0].node;
    expect(event).toMatchObject({
      position: 1,
      version: 1,
      type: 'AccountOpened',
      schemaVersion: 3,
      metadata: { actor: 'test-admin', command: 'openAccount' },
    });
    expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shows, inside one mutation document, balances that include what it has just posted', async () => {
    await api.openAccount({ code: 'assets:fresh', name: 'Fresh', type: 'ASSET' });
    await api.openAccount({ code: 'equity:fresh', name: 'Fresh', type: 'EQUITY' });
    const leg = (key: string) =>
      `${key}: transfer(input: $${key}) { ... on Transaction { entries { account { code balance { posted { amount } } } } } }`;
    const input = (idempotencyKey: string, amount: string) => ({
      idempotencyKey,
      debitAccount: 'assets:fresh',
      creditAccount: 'equity:fresh',
      amount,
    });
    const res = await server.gql(
      `mutation($fresh1: TransferInput!, $fresh2: TransferInput!) { ${leg('fresh1')} ${leg('fresh2')} }`,
      { fresh1: input('fresh1', '10.00'), fresh2: input('fresh2', '5.00') },
    );
    expect(res.body.errors).toBeUndefined();
    const balances = (key: string) =>
      res.body.data[key].entries.map((e: any) => [e.account.code, e.account.balance.posted.amount]);
    expect(balances('fresh1')).toEqual([
      ['assets:fresh', '10.00'],
      ['equity:fresh', '10.00'],
    ]);
    expect(balances('fresh2')).toEqual([
      ['assets:fresh', '15.00'],
      ['equity:fresh', '15.00'],
    ]);
  });

  it('serves /health and refuses form-encoded bodies', async () => {
    expect((await server.raw({ path: '/health' })).status).toBe(200);
    const form = await server.raw({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=mutation%7B__typename%7D',
    });
    expect(form.status).toBe(415);
  });
});
