/**
 * Dry runs over a real socket (issue 20, point 6): postTransaction and transfer with
 * `dryRun: true` answer exactly what the real call would — the transaction, the accounts
 * afterwards, or the refusal — and write nothing: no event, the head of the chain unchanged, no
 * idempotency record (the real call with the same key then posts, it is not a replay).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);

const TX =
  'id status idempotencyKey description metadata entries { account { code } direction amount { amount currency } transaction { id } }';
const BALANCES =
  'account posted { amount currency } pending { amount } available { amount } debits { amount } credits { amount } version';
const ANSWER = `__typename
  ... on DryRun { replayed transaction { ${TX} } balances { ${BALANCES} } }
  ... on Transaction { ${TX} }
  ... on InsufficientFunds { code account available requested }
  ... on Error { code message }`;
const POST = `mutation($input: PostTransactionInput!, $dryRun: Boolean) {
  postTransaction(input: $input, dryRun: $dryRun) { ${ANSWER} } }`;
const TRANSFER = `mutation($input: TransferInput!, $dryRun: Boolean) {
  transfer(input: $input, dryRun: $dryRun) { ${ANSWER} } }`;

async function call(document: string, input: unknown, dryRun?: boolean) {
  const body = (await server.gql(document, { input, dryRun })).body;
  expect(body.errors).toBeUndefined();
  return Object.values(body.data)[0] as any;
}
const post = (input: unknown, dryRun?: boolean) => call(POST, input, dryRun);
const transfer = (input: unknown, dryRun?: boolean) => call(TRANSFER, input, dryRun);

/** An account as a DryRunBalance shows it, read from the account after the real call. */
async function balanceOf(code: string) {
  const { account } = await api.request(
    `query($code: String!) { account(code: $code) {
    code balance { posted { amount currency } pending { amount } available { amount } debits { amount } credits { amount } version } } }`,
    { code },
  );
  const { posted, pending, available, debits, credits, version } = account.balance;
  return { account: account.code, posted, pending, available, debits, credits, version };
}

/** Runs `dry` and checks it wrote nothing at all. */
async function writesNothing<T>(dry: () => Promise<T>): Promise<T> {
  const before = await logState(server.database.db);
  const answer = await dry();
  expect(await logState(server.database.db)).toEqual(before);
  return answer;
}

const without = ({ __typename: _, ...tx }: any) => ({
  ...tx,
  id: undefined,
  entries: tx.entries.map((e: any) => ({ ...e, transaction: undefined })),
});

beforeAll(async () => {
  server = await startTestServer();
  await api.openAccounts([
    { code: 'assets:bank', type: 'ASSET', minimumBalance: null },
    { code: 'liabilities:wallet', type: 'LIABILITY', minimumBalance: '0' },
    { code: 'revenue:fees', type: 'REVENUE', minimumBalance: null },
  ]);
  await api.transfer({
    idempotencyKey: 'fund',
    debitAccount: 'assets:bank',
    creditAccount: 'liabilities:wallet',
    amount: '100.00',
  });
});
afterAll(() => server.close());

describe('a dry run', () => {
  it('answers a posting as the real call does, the accounts as it leaves them, and writes nothing', async () => {
    const input = {
      idempotencyKey: 'p1',
      description: 'fee',
      metadata: { order: 'o-1' },
      entries: [
        { account: 'liabilities:wallet', direction: 'DEBIT', amount: '12.50' },
        { account: 'revenue:fees', direction: 'CREDIT', amount: '12.50' },
      ],
    };
    const dry = await writesNothing(() => post(input, true));
    expect(dry.__typename).toBe('DryRun');
    expect(dry.replayed).toBe(false);
    // Its entries resolve to the transaction as it would be.
    for (const entry of dry.transaction.entries) expect(entry.transaction.id).toBe(dry.transaction.id);
    // No idempotency record: the real call with the same key posts (a new id), it is not replayed.
    const real = await post(input);
    expect(real.__typename).toBe('Transaction');
    expect(real.id).not.toBe(dry.transaction.id);
    expect(without(dry.transaction)).toEqual(without(real));
    expect(dry.balances).toEqual([await balanceOf('liabilities:wallet'), await balanceOf('revenue:fees')]);
    expect(dry.balances[0]).toMatchObject({ posted: { amount: '87.50', currency: 'USD' }, version: 3 });
  });

  it('answers a transfer, and a hold with what it would reserve', async () => {
    const input = {
      idempotencyKey: 't1',
      debitAccount: 'liabilities:wallet',
      creditAccount: 'assets:bank',
      amount: '7.25',
    };
    const dry = await writesNothing(() => transfer(input, true));
    const real = await transfer(input);
    expect(without(dry.transaction)).toEqual(without(real));
    expect(dry.balances).toEqual([await balanceOf('liabilities:wallet'), await balanceOf('assets:bank')]);

    const hold = {
      idempotencyKey: 'h1',
      pending: true,
      entries: [
        { account: 'liabilities:wallet', direction: 'DEBIT', amount: '30.00' },
        { account: 'assets:bank', direction: 'CREDIT', amount: '30.00' },
      ],
    };
    const dryHold = await writesNothing(() => post(hold, true));
    expect(dryHold.transaction.status).toBe('PENDING');
    const realHold = await post(hold);
    expect(realHold.status).toBe('PENDING');
    expect(dryHold.balances).toEqual([await balanceOf('liabilities:wallet'), await balanceOf('assets:bank')]);
    expect(dryHold.balances[0]).toMatchObject({
      posted: { amount: '80.25' },
      pending: { amount: '30.00' },
      available: { amount: '50.25' },
    });
  });

  it('answers the refusal the real call would give, and writes nothing', async () => {
    const input = {
      idempotencyKey: 'big',
      debitAccount: 'liabilities:wallet',
      creditAccount: 'assets:bank',
      amount: '500.00',
    };
    const dry = await writesNothing(() => transfer(input, true));
    expect(dry).toMatchObject({
      __typename: 'InsufficientFunds',
      account: 'liabilities:wallet',
      available: '50.25',
      requested: '500.00',
    });
    expect(await writesNothing(() => transfer(input))).toEqual(dry);
    const unbalanced = {
      idempotencyKey: 'u1',
      entries: [
        { account: 'liabilities:wallet', direction: 'DEBIT', amount: '1.00' },
        { account: 'assets:bank', direction: 'CREDIT', amount: '2.00' },
      ],
    };
    expect((await writesNothing(() => post(unbalanced, true))).__typename).toBe('UnbalancedTransaction');
    const overScale = { ...input, idempotencyKey: 'scale', amount: '1.001' };
    expect((await writesNothing(() => transfer(overScale, true))).__typename).toBe('InvalidAmount');
    const unknown = { ...input, idempotencyKey: 'unknown', creditAccount: 'assets:nowhere', amount: '1.00' };
    expect((await writesNothing(() => transfer(unknown, true))).__typename).toBe('AccountNotFound');
  });

  it('replays a used key as the real retry would: the first transaction, or the conflict', async () => {
    const input = {
      idempotencyKey: 'fund',
      debitAccount: 'assets:bank',
      creditAccount: 'liabilities:wallet',
      amount: '100.00',
    };
    const first = await transfer(input);
    const dry = await writesNothing(() => transfer(input, true));
    expect(dry).toMatchObject({ __typename: 'DryRun', replayed: true, transaction: { id: first.id } });
    const changed = await writesNothing(() => transfer({ ...input, amount: '99.00' }, true));
    expect(changed.__typename).toBe('IdempotencyConflict');
  });

  it('writes nothing while real postings go on beside it, and they all land', async () => {
    const before = await logState(server.database.db);
    const reals = Array.from({ length: 20 }, (_, i) =>
      transfer({ idempotencyKey: `c${i}`, debitAccount: 'assets:bank', creditAccount: 'revenue:fees', amount: '1.00' }),
    );
    const dries = Array.from({ length: 20 }, (_, i) =>
      transfer(
        { idempotencyKey: `d${i}`, debitAccount: 'assets:bank', creditAccount: 'revenue:fees', amount: '1.00' },
        true,
      ),
    );
    const answers = await Promise.all([...reals, ...dries]);
    expect(answers.slice(0, 20).every((a) => a.__typename === 'Transaction')).toBe(true);
    expect(answers.slice(20).every((a) => a.__typename === 'DryRun' && !a.replayed)).toBe(true);
    expect((await logState(server.database.db)).events).toBe(before.events + 40);
    const { verifyIntegrity } = await api.request('{ verifyIntegrity { ok } }');
    expect(verifyIntegrity.ok).toBe(true);
    // No dry run left a key behind: each posts for real now.
    const after = await transfer({
      idempotencyKey: 'd0',
      debitAccount: 'assets:bank',
      creditAccount: 'revenue:fees',
      amount: '1.00',
    });
    expect(after.__typename).toBe('Transaction');
  });
});
