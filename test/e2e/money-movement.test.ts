/**
 * Money movement, second edition (issue 20, points 1–3) over GraphQL: upper balance bounds
 * (`maximumBalance`, `setMaximumBalance`, `BalanceLimitExceeded`), balance conditions and expected
 * versions on `postTransaction` (`BalanceConditionFailed`, `VersionMismatch`), and "up to"
 * transfers. Every refusal is typed and writes nothing; grouped and one-by-one answers agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);
let seq = 0;
const key = () => `mm-${++seq}`;

const ACCOUNT = '__typename ... on Error { code } ... on Account { code minimumBalance maximumBalance version }';
const POSTED = `__typename ... on Error { code message }
  ... on Transaction { id entries { account { code } direction amount { amount } } }
  ... on InsufficientFunds { account available requested }
  ... on BalanceLimitExceeded { account limit resulting }
  ... on BalanceConditionFailed { account metric actual condition { account metric gte lte eq } }
  ... on VersionMismatch { account expected actualVersion: actual }
  ... on ValidationError { field }`;

const transfer = (debitAccount: string, creditAccount: string, amount: string, extra: Record<string, unknown> = {}) =>
  api.transfer({ idempotencyKey: key(), debitAccount, creditAccount, amount, ...extra }, POSTED);
const post = (entries: Array<[string, 'DEBIT' | 'CREDIT', string]>, extra: Record<string, unknown> = {}) =>
  api.postTransaction(
    {
      idempotencyKey: key(),
      entries: entries.map(([account, direction, amount]) => ({ account, direction, amount })),
      ...extra,
    },
    POSTED,
  );
const posted = async (code: string) => (await api.balance(code)).posted.amount as string;
const version = async (code: string) =>
  (await api.request('query($c: String!) { account(code: $c) { version } }', { c: code })).account.version as number;
/** Runs `run` and checks that it wrote nothing: the same number of events, the same head hash. */
const refused = async <T>(run: () => Promise<T>): Promise<T> => {
  const before = await logState(server.database.db);
  const answer = await run();
  expect(await logState(server.database.db)).toEqual(before);
  return answer;
};

beforeAll(async () => {
  server = await startTestServer();
  await api.openAccounts([
    { code: 'assets:bank', type: 'ASSET' },
    { code: 'equity:capital', type: 'EQUITY' },
  ]);
});
afterAll(() => server.close());

describe('upper bounds: maximumBalance', () => {
  it('opens with a maximum at the currency scale and refuses an inflow past it, holds counted', async () => {
    expect(
      await api.openAccount(
        { code: 'liabilities:capped', type: 'LIABILITY', minimumBalance: '0', maximumBalance: '100' },
        ACCOUNT,
      ),
    ).toEqual({
      __typename: 'Account',
      code: 'liabilities:capped',
      minimumBalance: '0.00',
      maximumBalance: '100.00',
      version: 1,
    });
    expect(await transfer('assets:bank', 'liabilities:capped', '60.00')).toMatchObject({ __typename: 'Transaction' });
    // A hold that brings 30.00 in counts against the maximum as if it were there.
    const hold = await api.hold(
      {
        idempotencyKey: key(),
        entries: [
          { account: 'assets:bank', direction: 'DEBIT', amount: '30.00' },
          { account: 'liabilities:capped', direction: 'CREDIT', amount: '30.00' },
        ],
      },
      POSTED,
    );
    expect(hold.__typename).toBe('Transaction');
    expect(await refused(() => transfer('assets:bank', 'liabilities:capped', '10.01'))).toEqual({
      __typename: 'BalanceLimitExceeded',
      code: 'BALANCE_LIMIT_EXCEEDED',
      message: 'account "liabilities:capped" may hold at most 100.00; the posting would take it to 100.01',
      account: 'liabilities:capped',
      limit: '100.00',
      resulting: '100.01',
    });
    expect(await transfer('assets:bank', 'liabilities:capped', '10.00')).toMatchObject({ __typename: 'Transaction' });
    // Committing the hold spends its own headroom: no double count.
    expect(
      await api.commitPending({ idempotencyKey: key(), transactionId: hold.id }, '__typename ... on Error { code }'),
    ).toEqual({ __typename: 'Transaction' });
    expect(await posted('liabilities:capped')).toBe('100.00');
    // An outflow is never refused by the maximum.
    expect(await transfer('liabilities:capped', 'assets:bank', '1.00')).toMatchObject({ __typename: 'Transaction' });
  });

  it('setMaximumBalance changes and removes the bound; each change is an event with its actor', async () => {
    await api.openAccount({ code: 'assets:vault', type: 'ASSET', maximumBalance: '50.00' });
    expect(await api.mutate('setMaximumBalance', { code: 'assets:vault', maximumBalance: '20' }, ACCOUNT)).toEqual({
      __typename: 'Account',
      code: 'assets:vault',
      minimumBalance: null,
      maximumBalance: '20.00',
      version: 2,
    });
    // The same bound again writes nothing.
    expect(
      await refused(() => api.mutate('setMaximumBalance', { code: 'assets:vault', maximumBalance: '20.00' }, ACCOUNT)),
    ).toMatchObject({ maximumBalance: '20.00', version: 2 });
    expect(await refused(() => transfer('assets:vault', 'equity:capital', '20.01'))).toMatchObject({
      __typename: 'BalanceLimitExceeded',
      limit: '20.00',
      resulting: '20.01',
    });
    expect(await transfer('assets:vault', 'equity:capital', '20.00')).toMatchObject({ __typename: 'Transaction' });
    // Lowering it below the balance is allowed: later inflows are refused, outflows are not.
    expect(await api.mutate('setMaximumBalance', { code: 'assets:vault', maximumBalance: '5' }, ACCOUNT)).toMatchObject(
      { maximumBalance: '5.00' },
    );
    expect(await transfer('assets:vault', 'equity:capital', '0.01')).toMatchObject({
      __typename: 'BalanceLimitExceeded',
      resulting: '20.01',
    });
    expect(await transfer('equity:capital', 'assets:vault', '16.00')).toMatchObject({ __typename: 'Transaction' });
    expect(
      await api.mutate('setMaximumBalance', { code: 'assets:vault', maximumBalance: null }, ACCOUNT),
    ).toMatchObject({ maximumBalance: null });
    expect(await transfer('assets:vault', 'equity:capital', '1000000.00')).toMatchObject({ __typename: 'Transaction' });
    const trail = await api.auditTrail(
      { account: 'assets:vault', type: 'MaximumBalanceChanged' },
      'data metadata { actor command }',
    );
    expect(trail.map((n) => [n.data, n.metadata.command])).toEqual([
      [{ maximumBalance: '20.00' }, 'changeMaximumBalance'],
      [{ maximumBalance: '5.00' }, 'changeMaximumBalance'],
      [{ maximumBalance: null }, 'changeMaximumBalance'],
    ]);
  });

  it('refuses a maximum below the minimum, out of scale or malformed, and unknown accounts', async () => {
    const open = (code: string, fields: Record<string, unknown>) =>
      refused(() =>
        api.openAccount({ code, type: 'LIABILITY', ...fields }, `${ACCOUNT} ... on ValidationError { field message }`),
      );
    expect(await open('liabilities:bad1', { minimumBalance: '10', maximumBalance: '9.99' })).toEqual({
      __typename: 'ValidationError',
      code: 'VALIDATION_ERROR',
      field: 'maximumBalance',
      message: 'maximumBalance: the maximum balance 9.99 lies below the minimum balance 10.00',
    });
    expect(await open('liabilities:bad2', { maximumBalance: '1.001' })).toMatchObject({ field: 'maximumBalance' });
    const raw = await server.gql(
      'mutation { openAccount(input: { code: "liabilities:bad3", name: "x", type: LIABILITY, currency: "USD", maximumBalance: "1e5" }) { __typename } }',
    );
    expect(raw.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Equal bounds pin the balance; that is allowed.
    expect(
      await api.openAccount(
        { code: 'liabilities:pinned', type: 'LIABILITY', minimumBalance: '0', maximumBalance: '0' },
        ACCOUNT,
      ),
    ).toMatchObject({
      maximumBalance: '0.00',
    });
    const set = (code: string, field: string, value: string | null) =>
      refused(() =>
        api.mutate(
          field === 'maximumBalance' ? 'setMaximumBalance' : 'setMinimumBalance',
          { code, [field]: value },
          `${ACCOUNT} ... on ValidationError { field }`,
        ),
      );
    expect(await set('liabilities:pinned', 'maximumBalance', '-0.01')).toEqual({
      __typename: 'ValidationError',
      code: 'VALIDATION_ERROR',
      field: 'maximumBalance',
    });
    expect(await set('liabilities:pinned', 'minimumBalance', '0.01')).toMatchObject({ field: 'minimumBalance' });
    expect(await set('liabilities:ghost', 'maximumBalance', '1')).toEqual({
      __typename: 'AccountNotFound',
      code: 'ACCOUNT_NOT_FOUND',
    });
    // Opening again: the same maximum is the same account; another one is a conflict.
    const reopen = (maximumBalance: string) =>
      api.openAccount({ code: 'liabilities:pinned', type: 'LIABILITY', minimumBalance: '0', maximumBalance }, ACCOUNT);
    expect((await reopen('0.00')).__typename).toBe('Account');
    expect((await refused(() => reopen('1'))).__typename).toBe('AccountAlreadyExists');
  });

  it('refuses a reversal that would bring the balance back over the maximum', async () => {
    await api.openAccount({ code: 'liabilities:rv', type: 'LIABILITY', maximumBalance: '10' });
    await transfer('assets:bank', 'liabilities:rv', '10.00');
    const out = await transfer('liabilities:rv', 'assets:bank', '4.00');
    await transfer('assets:bank', 'liabilities:rv', '4.00');
    expect(
      await refused(() =>
        api.reverseTransaction(
          { idempotencyKey: key(), transactionId: out.id },
          '__typename ... on BalanceLimitExceeded { limit resulting }',
        ),
      ),
    ).toMatchObject({ __typename: 'BalanceLimitExceeded', limit: '10.00', resulting: '14.00' });
  });
});

describe('balance conditions and expected versions', () => {
  beforeAll(async () => {
    await api.openAccounts([
      { code: 'liabilities:alice', type: 'LIABILITY', minimumBalance: '0' },
      { code: 'liabilities:bob', type: 'LIABILITY' },
    ]);
    await transfer('assets:bank', 'liabilities:alice', '100.00');
  });

  it('checks each condition on the balances the transaction would leave', async () => {
    const pay = (amount: string, conditions: unknown[]) =>
      post(
        [
          ['liabilities:alice', 'DEBIT', amount],
          ['liabilities:bob', 'CREDIT', amount],
        ],
        { conditions },
      );
    expect(await refused(() => pay('30.00', [{ account: 'liabilities:alice', metric: 'POSTED', gte: '75' }]))).toEqual({
      __typename: 'BalanceConditionFailed',
      code: 'BALANCE_CONDITION_FAILED',
      message: 'account "liabilities:alice": POSTED would be 70.00, the condition asks gte 75.00',
      account: 'liabilities:alice',
      metric: 'POSTED',
      actual: '70.00',
      condition: { account: 'liabilities:alice', metric: 'POSTED', gte: '75.00', lte: null, eq: null },
    });
    expect(
      await pay('30.00', [
        { account: 'liabilities:alice', metric: 'POSTED', gte: '70', lte: '70.00' },
        { account: 'liabilities:bob', metric: 'AVAILABLE', eq: '30' },
      ]),
    ).toMatchObject({ __typename: 'Transaction' });
    // The first failing condition, in the order given, is named.
    expect(
      await refused(() =>
        pay('1.00', [
          { account: 'liabilities:alice', metric: 'POSTED', lte: '69' },
          { account: 'liabilities:bob', metric: 'POSTED', eq: '0' },
        ]),
      ),
    ).toMatchObject({ __typename: 'BalanceConditionFailed', account: 'liabilities:bob', actual: '31.00' });
  });

  it('PENDING and AVAILABLE count the holds, the one being placed included', async () => {
    const hold = (amount: string, conditions: unknown[]) =>
      post(
        [
          ['liabilities:alice', 'DEBIT', amount],
          ['assets:bank', 'CREDIT', amount],
        ],
        { pending: true, conditions },
      );
    expect(
      await hold('20.00', [
        { account: 'liabilities:alice', metric: 'PENDING', eq: '20' },
        { account: 'liabilities:alice', metric: 'AVAILABLE', eq: '50' },
        { account: 'liabilities:alice', metric: 'POSTED', eq: '70' },
      ]),
    ).toMatchObject({ __typename: 'Transaction' });
    expect(
      await refused(() => hold('5.00', [{ account: 'liabilities:alice', metric: 'AVAILABLE', gte: '46' }])),
    ).toMatchObject({
      __typename: 'BalanceConditionFailed',
      metric: 'AVAILABLE',
      actual: '45.00',
    });
  });

  it('may bound an account the transaction does not touch (as it stands)', async () => {
    const bob = await posted('liabilities:bob');
    const answer = await post(
      [
        ['assets:bank', 'DEBIT', '1.00'],
        ['equity:capital', 'CREDIT', '1.00'],
      ],
      { conditions: [{ account: 'liabilities:bob', metric: 'POSTED', eq: bob }] },
    );
    expect(answer.__typename).toBe('Transaction');
    expect(
      await refused(() =>
        post(
          [
            ['assets:bank', 'DEBIT', '1.00'],
            ['equity:capital', 'CREDIT', '1.00'],
          ],
          { conditions: [{ account: 'liabilities:bob', metric: 'POSTED', gte: '1000' }] },
        ),
      ),
    ).toMatchObject({ __typename: 'BalanceConditionFailed', account: 'liabilities:bob', actual: bob });
  });

  it('refuses a stream that moved since it was read, and replays a retry after it moved', async () => {
    const seen = await version('liabilities:alice');
    const input = {
      idempotencyKey: key(),
      entries: [
        { account: 'liabilities:alice', direction: 'DEBIT' as const, amount: '1.00' },
        { account: 'assets:bank', direction: 'CREDIT' as const, amount: '1.00' },
      ],
      expectedVersions: [{ account: 'liabilities:alice', version: seen }],
    };
    const first = await api.postTransaction(input, POSTED);
    expect(first.__typename).toBe('Transaction');
    // The same request again: the first result, though alice is now at another version.
    expect(await api.postTransaction(input, POSTED)).toMatchObject({ id: first.id });
    expect(await refused(() => api.postTransaction({ ...input, idempotencyKey: key() }, POSTED))).toEqual({
      __typename: 'VersionMismatch',
      code: 'VERSION_MISMATCH',
      message: `account "liabilities:alice" is at version ${seen + 1}, the request expected ${seen}`,
      account: 'liabilities:alice',
      expected: seen,
      actualVersion: seen + 1,
    });
    // The version check comes before the rest: even an unbalanced request is told its view is stale.
    expect(
      await api.postTransaction(
        { ...input, idempotencyKey: key(), entries: [input.entries[0]!, { ...input.entries[1]!, amount: '2.00' }] },
        POSTED,
      ),
    ).toMatchObject({ __typename: 'VersionMismatch' });
  });

  it('answers hostile preconditions with typed errors and writes nothing', async () => {
    const base = [
      ['assets:bank', 'DEBIT', '1.00'],
      ['equity:capital', 'CREDIT', '1.00'],
    ] as Array<[string, 'DEBIT' | 'CREDIT', string]>;
    const cases: Array<[unknown, Record<string, unknown>]> = [
      [
        { conditions: [{ account: 'liabilities:ghost', metric: 'POSTED', gte: '0' }] },
        { __typename: 'AccountNotFound' },
      ],
      [{ expectedVersions: [{ account: 'liabilities:ghost', version: 0 }] }, { __typename: 'AccountNotFound' }],
      [
        { conditions: [{ account: 'liabilities:bob', metric: 'POSTED', gte: '0.001' }] },
        { __typename: 'ValidationError', field: 'conditions[0].gte' },
      ],
      [
        { conditions: [{ account: 'liabilities:bob', metric: 'POSTED' }] },
        { __typename: 'ValidationError', field: 'conditions[0]' },
      ],
      [{ conditions: [{ account: 'Not A Code', metric: 'POSTED', eq: '1' }] }, { field: 'conditions[0].account' }],
      [
        { expectedVersions: [{ account: 'liabilities:bob', version: -1 }] },
        { __typename: 'ValidationError', field: 'expectedVersions[0].version' },
      ],
      [
        { conditions: Array.from({ length: 101 }, () => ({ account: 'liabilities:bob', metric: 'POSTED', gte: '0' })) },
        { __typename: 'ValidationError', field: 'conditions' },
      ],
    ];
    for (const [extra, expected] of cases)
      expect(
        await refused(() => post(base, extra as Record<string, unknown>)),
        JSON.stringify(extra).slice(0, 80),
      ).toMatchObject(expected);
    // A value the schema refuses (sent as variables): an unknown metric, an amount as a number, a version that is not an Int.
    for (const precondition of [
      { conditions: [{ account: 'liabilities:bob', metric: 'SOMETIMES', gte: '0' }] },
      { conditions: [{ account: 'liabilities:bob', metric: 'POSTED', gte: 0 }] },
      { expectedVersions: [{ account: 'liabilities:bob', version: 1.5 }] },
    ]) {
      const res = await refused(() =>
        server.gql('mutation($input: PostTransactionInput!) { postTransaction(input: $input) { __typename } }', {
          input: {
            idempotencyKey: key(),
            entries: base.map(([account, direction, amount]) => ({ account, direction, amount })),
            ...precondition,
          },
        }),
      );
      expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(precondition)).toBe('BAD_USER_INPUT');
    }
  });

  it('decides under the write lock: of concurrent requests on one version, exactly one posts', async () => {
    const seen = await version('liabilities:bob');
    const racing = await Promise.all(
      Array.from({ length: 6 }, () =>
        post(
          [
            ['liabilities:bob', 'DEBIT', '1.00'],
            ['assets:bank', 'CREDIT', '1.00'],
          ],
          { expectedVersions: [{ account: 'liabilities:bob', version: seen }] },
        ),
      ),
    );
    expect(racing.map((a) => a.__typename).sort()).toEqual(['Transaction', ...Array(5).fill('VersionMismatch')]);
    // Conditions too: five withdrawals of 10.00 racing for 25.00 with "AVAILABLE >= 0" — two post.
    await api.openAccount({ code: 'liabilities:race', type: 'LIABILITY' });
    await transfer('assets:bank', 'liabilities:race', '25.00');
    const withdrawals = await Promise.all(
      Array.from({ length: 5 }, () =>
        post(
          [
            ['liabilities:race', 'DEBIT', '10.00'],
            ['assets:bank', 'CREDIT', '10.00'],
          ],
          { conditions: [{ account: 'liabilities:race', metric: 'AVAILABLE', gte: '0' }] },
        ),
      ),
    );
    expect(withdrawals.map((a) => a.__typename).sort()).toEqual([
      'BalanceConditionFailed',
      'BalanceConditionFailed',
      'BalanceConditionFailed',
      'Transaction',
      'Transaction',
    ]);
    expect(await posted('liabilities:race')).toBe('5.00');
  });
});

describe('"up to" transfers', () => {
  beforeAll(async () => {
    await api.openAccounts([
      { code: 'liabilities:payer', type: 'LIABILITY', minimumBalance: '0' },
      { code: 'liabilities:payee', type: 'LIABILITY', maximumBalance: '100' },
    ]);
    await transfer('assets:bank', 'liabilities:payer', '30.00');
  });
  const amounts = (tx: any) => tx.entries.map((e: any) => e.amount.amount);

  it('moves what the debited account can give, records it, and is refused once nothing is left', async () => {
    const first = await transfer('liabilities:payer', 'assets:bank', '50.00', { upTo: true });
    expect(first.__typename).toBe('Transaction');
    expect(amounts(first)).toEqual(['30.00', '30.00']);
    expect(await posted('liabilities:payer')).toBe('0.00');
    expect(await refused(() => transfer('liabilities:payer', 'assets:bank', '50.00', { upTo: true }))).toEqual({
      __typename: 'InsufficientFunds',
      code: 'INSUFFICIENT_FUNDS',
      message: 'account "liabilities:payer" has 0.00 available, 50.00 was asked',
      account: 'liabilities:payer',
      available: '0.00',
      requested: '50.00',
    });
  });

  it('moves the whole amount when it fits, and what the credited account can take when that is less', async () => {
    await transfer('assets:bank', 'liabilities:payer', '200.00');
    expect(amounts(await transfer('liabilities:payer', 'liabilities:payee', '12.34', { upTo: true }))).toEqual([
      '12.34',
      '12.34',
    ]);
    expect(amounts(await transfer('liabilities:payer', 'liabilities:payee', '150.00', { upTo: true }))).toEqual([
      '87.66',
      '87.66',
    ]);
    expect(await posted('liabilities:payee')).toBe('100.00');
    expect(
      await refused(() => transfer('liabilities:payer', 'liabilities:payee', '1.00', { upTo: true })),
    ).toMatchObject({
      __typename: 'BalanceLimitExceeded',
      account: 'liabilities:payee',
      limit: '100.00',
      resulting: '101.00',
    });
  });

  it('counts holds: what a hold reserves cannot be moved', async () => {
    await api.openAccount({ code: 'liabilities:held', type: 'LIABILITY', minimumBalance: '0' });
    await transfer('assets:bank', 'liabilities:held', '50.00');
    await post(
      [
        ['liabilities:held', 'DEBIT', '20.00'],
        ['assets:bank', 'CREDIT', '20.00'],
      ],
      { pending: true },
    );
    expect(amounts(await transfer('liabilities:held', 'assets:bank', '100.00', { upTo: true }))).toEqual([
      '30.00',
      '30.00',
    ]);
  });

  it('a retry with the same key returns the first result, whatever moved since', async () => {
    await api.openAccount({ code: 'liabilities:retry', type: 'LIABILITY', minimumBalance: '0' });
    await transfer('assets:bank', 'liabilities:retry', '8.00');
    const input = {
      idempotencyKey: key(),
      debitAccount: 'liabilities:retry',
      creditAccount: 'assets:bank',
      amount: '10.00',
      upTo: true,
    };
    const first = await api.transfer(input, POSTED);
    expect(amounts(first)).toEqual(['8.00', '8.00']);
    await transfer('assets:bank', 'liabilities:retry', '50.00');
    expect(await refused(() => api.transfer(input, POSTED))).toEqual(first);
    expect(await refused(() => api.transfer({ ...input, upTo: false }, POSTED))).toMatchObject({
      __typename: 'IdempotencyConflict',
    });
  });

  it('refuses bad amounts and unknown accounts as a transfer does', async () => {
    for (const [amount, expected] of [
      ['1.001', 'InvalidAmount'],
      ['-5.00', 'InvalidAmount'],
      ['0', 'InvalidAmount'],
    ] as const)
      expect(await refused(() => transfer('liabilities:payer', 'assets:bank', amount, { upTo: true }))).toMatchObject({
        __typename: expected,
      });
    expect(await refused(() => transfer('liabilities:nobody', 'assets:bank', '1.00', { upTo: true }))).toMatchObject({
      __typename: 'AccountNotFound',
    });
  });

  it('concurrent up-to transfers never cross the bound', async () => {
    await api.openAccount({ code: 'liabilities:drain', type: 'LIABILITY', minimumBalance: '0' });
    await transfer('assets:bank', 'liabilities:drain', '100.00');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => transfer('liabilities:drain', 'assets:bank', '30.00', { upTo: true })),
    );
    const moved = answers.filter((a) => a.__typename === 'Transaction').map((a) => amounts(a)[0]);
    expect(moved.sort()).toEqual(['10.00', '30.00', '30.00', '30.00']);
    expect(answers.filter((a) => a.__typename === 'InsufficientFunds')).toHaveLength(1);
    expect(await posted('liabilities:drain')).toBe('0.00');
  });
});

describe('grouped and one by one', () => {
  it('a batch with conditions, expected versions and bounds answers exactly as posting one by one', async () => {
    const [grouped, single] = await Promise.all([startTestServer(), startTestServer()]);
    try {
      for (const target of [grouped, single])
        await ledgerApi(target).openAccounts([
          { code: 'assets:bank', type: 'ASSET' },
          { code: 'liabilities:w', type: 'LIABILITY', minimumBalance: '0', maximumBalance: '50' },
        ]);
      const leg = (account: string, direction: 'DEBIT' | 'CREDIT', amount: string) => ({ account, direction, amount });
      const tx = (k: string, debit: string, credit: string, amount: string, extra: Record<string, unknown> = {}) => ({
        idempotencyKey: k,
        entries: [leg(debit, 'DEBIT', amount), leg(credit, 'CREDIT', amount)],
        ...extra,
      });
      const items = [
        tx('g1', 'assets:bank', 'liabilities:w', '40.00'),
        tx('g2', 'assets:bank', 'liabilities:w', '20.00'), // over the maximum
        tx('g3', 'liabilities:w', 'assets:bank', '5.00', {
          expectedVersions: [{ account: 'liabilities:w', version: 2 }],
        }),
        tx('g4', 'liabilities:w', 'assets:bank', '5.00', {
          expectedVersions: [{ account: 'liabilities:w', version: 2 }],
        }),
        tx('g5', 'liabilities:w', 'assets:bank', '5.00', {
          conditions: [{ account: 'liabilities:w', metric: 'POSTED', gte: '30' }],
        }),
        tx('g6', 'liabilities:w', 'assets:bank', '5.00', {
          conditions: [{ account: 'liabilities:w', metric: 'POSTED', gte: '30' }],
        }),
        tx('g7', 'assets:bank', 'liabilities:w', '20.00'),
      ];
      const SELECT = '__typename ... on Transaction { id } ... on Error { code }';
      const batch = (
        await grouped.gql(
          `mutation($input: PostTransactionsInput!) { postTransactions(input: $input) { results { ${SELECT} } } }`,
          { input: { transactions: items } },
        )
      ).body.data.postTransactions.results;
      const oneByOne = [];
      for (const item of items) oneByOne.push(await ledgerApi(single).postTransaction(item, SELECT));
      const kinds = (list: any[]) => list.map((r) => r.__typename);
      expect(kinds(batch)).toEqual(kinds(oneByOne));
      expect(kinds(batch)).toEqual([
        'Transaction',
        'BalanceLimitExceeded',
        'Transaction',
        'VersionMismatch',
        'Transaction',
        'BalanceConditionFailed',
        'Transaction',
      ]);
      for (const target of [grouped, single])
        expect(await ledgerApi(target).balance('liabilities:w')).toMatchObject({ posted: { amount: '50.00' } });
    } finally {
      await Promise.all([grouped.close(), single.close()]);
    }
  });
});
