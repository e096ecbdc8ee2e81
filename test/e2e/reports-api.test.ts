/** The reports over GraphQL: paging keeps one log position, and bad arguments are client errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi, mutationDocument } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);
/** With headers of its own: the audit metadata tests send them. */
const TRANSFER = mutationDocument('transfer', '__typename ... on Transaction { id }');
let seq = 0;
const transfer = (debit: string, credit: string, amount: string, effectiveAt: string) =>
  api.transfer(
    {
      idempotencyKey: `r${++seq}`,
      debitAccount: debit,
      creditAccount: credit,
      amount,
      effectiveAt,
      description: `d${seq}`,
    },
    '__typename ... on Transaction { id }',
  );

beforeAll(async () => {
  server = await startTestServer();
  // openAccounts checks that each answer is an Account.
  await api.openAccounts(
    [
      { code: 'assets:bank', type: 'ASSET' },
      { code: 'equity:capital', type: 'EQUITY' },
      { code: 'revenue:sales', type: 'REVENUE' },
    ],
    { effectiveAt: '2026-01-01T00:00:00Z' },
  );
  await transfer('assets:bank', 'equity:capital', '100.00', '2026-01-02T00:00:00Z');
  await transfer('assets:bank', 'revenue:sales', '10.00', '2026-01-03T00:00:00Z');
  await transfer('assets:bank', 'revenue:sales', '20.00', '2026-01-04T00:00:00Z');
  await transfer('assets:bank', 'revenue:sales', '30.00', '2026-01-05T00:00:00Z');
});
afterAll(() => server.close());

const STATEMENT = `query($after: String, $atPosition: Int) { accountStatement(account: "assets:bank", from: "2026-01-03T00:00:00Z", to: "2026-02-01T00:00:00Z", atPosition: $atPosition) {
  atPosition knownAt opening { amount currency } closing { amount } totalDebits { amount } totalCredits { amount } lineCount
  lines(first: 2, after: $after) { edges { node { effectiveAt description counterAccounts direction amount { amount } runningBalance { amount } late transaction { id } } } pageInfo { hasNextPage endCursor } } } }`;

describe('accountStatement', () => {
  it('pages at one log position even when a posting lands between pages', async () => {
    const first = (await server.gql(STATEMENT)).body.data.accountStatement;
    expect(first).toMatchObject({
      opening: { amount: '100.00', currency: 'USD' },
      closing: { amount: '160.00' },
      totalDebits: { amount: '60.00' },
      totalCredits: { amount: '0.00' },
      lineCount: 3,
    });
    expect(
      first.lines.edges.map((e: any) => [e.node.amount.amount, e.node.runningBalance.amount, e.node.counterAccounts]),
    ).toEqual([
      ['10.00', '110.00', ['revenue:sales']],
      ['20.00', '130.00', ['revenue:sales']],
    ]);
    await transfer('assets:bank', 'revenue:sales', '1000.00', '2026-01-03T12:00:00Z');
    const next = (await server.gql(STATEMENT, { after: first.lines.pageInfo.endCursor, atPosition: first.atPosition }))
      .body.data.accountStatement;
    expect(next.atPosition).toBe(first.atPosition);
    expect(next.lines.edges.map((e: any) => e.node.runningBalance.amount)).toEqual(['160.00']);
    expect(next.lines.pageInfo.hasNextPage).toBe(false);
    // A cursor used against a different cut is refused, not silently mixed.
    const mixed = await server.gql(STATEMENT, { after: first.lines.pageInfo.endCursor });
    expect(mixed.body.errors?.[0]?.message).toBe(
      `after: this cursor belongs to the statement at log position ${first.atPosition}: pass atPosition: ${first.atPosition}`,
    );
    // Forged cursors and positions are client errors, never server faults.
    const forged = (text: string) => Buffer.from(JSON.stringify(['statementLine', text])).toString('base64url');
    for (const after of [
      forged(`2026-13-45T99:99:99.999Z|${first.atPosition}|2026-01-03T00:00:00.000Z|1|0`),
      forged(`${first.knownAt}|${first.atPosition}|2026-02-30T00:00:00.000Z|1|0`),
      forged(`${first.knownAt}|99999999999|x`),
    ]) {
      const res = await server.gql(STATEMENT, { after, atPosition: first.atPosition });
      expect(res.body.errors?.[0]?.extensions?.code, after).toBe('BAD_USER_INPUT');
    }
    expect((await server.gql(STATEMENT, { atPosition: 10_000_000 })).body.errors?.[0]?.message).toMatch(
      /is not a position of the log/,
    );
    const now = (await server.gql(STATEMENT)).body.data.accountStatement;
    expect(now.closing.amount).toBe('1160.00');
    expect(now.atPosition).toBeGreaterThan(first.atPosition);
  });

  it('is null for an unknown account, and refuses an empty period or a malformed code', async () => {
    expect(
      (
        await server.gql(
          '{ accountStatement(account: "assets:none", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { atPosition } }',
        )
      ).body.data.accountStatement,
    ).toBeNull();
    const empty = await server.gql(
      '{ accountStatement(account: "assets:bank", from: "2026-02-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { atPosition } }',
    );
    expect(empty.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/must be before/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const code = await server.gql(
      '{ accountStatement(account: "Assets Bank", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { atPosition } }',
    );
    expect(code.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('trialBalance, balanceSheet, incomeStatement', () => {
  it('answer at one position and balance', async () => {
    const res =
      await server.gql(`{ trialBalance(asOf: "2026-01-04T23:59:59Z") { atPosition balanced lines { code debit { amount } credit { amount } } totals { debit { amount currency } credit { amount } balanced } }
      balanceSheet(asOf: "2026-01-04T23:59:59Z") { totals { assets { amount } equity { amount } earnings { amount } balanced } }
      incomeStatement(from: "2026-01-01T00:00:00Z", to: "2026-01-04T00:00:00Z") { totals { revenue { amount } netIncome { amount } } } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.trialBalance.lines).toEqual([
      { code: 'assets:bank', debit: { amount: '1130.00' }, credit: { amount: '0.00' } },
      { code: 'equity:capital', debit: { amount: '0.00' }, credit: { amount: '100.00' } },
      { code: 'revenue:sales', debit: { amount: '0.00' }, credit: { amount: '1030.00' } },
    ]);
    expect(res.body.data.trialBalance.totals).toEqual([
      { debit: { amount: '1130.00', currency: 'USD' }, credit: { amount: '1130.00' }, balanced: true },
    ]);
    expect(res.body.data.balanceSheet.totals).toEqual([
      { assets: { amount: '1130.00' }, equity: { amount: '100.00' }, earnings: { amount: '1030.00' }, balanced: true },
    ]);
    expect(res.body.data.incomeStatement.totals).toEqual([
      { revenue: { amount: '1010.00' }, netIncome: { amount: '1010.00' } },
    ]);
  });
});

describe('auditTrail', () => {
  it('pages events with metadata and hashes, filtered, at one position', async () => {
    const auditor = await server.createKey('auditor', { name: 'external-auditor' });
    const query = `query($after: String) { auditTrail(account: "revenue:sales", type: "TransactionPosted", actor: "test-admin", first: 2, after: $after) {
      atPosition knownAt edges { node { position type schemaVersion hash metadata { actor command idempotencyKey } } } pageInfo { hasNextPage endCursor } } }`;
    const first = (await server.gqlAs(auditor, query)).body.data.auditTrail;
    expect(first.edges).toHaveLength(2);
    expect(first.edges[0].node).toMatchObject({
      type: 'TransactionPosted',
      schemaVersion: 4,
      metadata: { actor: 'test-admin', command: 'transfer', idempotencyKey: 'r2' },
    });
    await transfer('assets:bank', 'revenue:sales', '5.00', '2026-01-06T00:00:00Z');
    const rest = (await server.gqlAs(auditor, query, { after: first.pageInfo.endCursor })).body.data.auditTrail;
    expect(rest.atPosition).toBe(first.atPosition);
    expect(rest.edges.map((e: any) => e.node.metadata.idempotencyKey)).toEqual(['r4', 'r5']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses malformed filters and cursors as client errors', async () => {
    const audit = (text: string) => Buffer.from(JSON.stringify(['audit', text])).toString('base64url');
    for (const args of [
      'from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z"',
      'type: "Drop Table"',
      'transaction: "x"',
      'account: "NOT A CODE"',
      `after: "${audit('x|1|2')}"`,
      `after: "${audit('2026-01-01T00:00:00.000Z|999999999|1')}"`,
      `after: "${audit('2026-02-31T00:00:00.000Z|1|1')}"`,
    ]) {
      const res = await server.gql(`{ auditTrail(${args}) { atPosition } }`);
      expect(res.body.errors?.[0]?.extensions?.code, args).toBe('BAD_USER_INPUT');
    }
  });
});

describe('audit metadata', () => {
  it('records actor, request, correlation and causation ids, idempotency key, command and client address', async () => {
    const headers = {
      'x-request-id': 'req-77',
      'x-correlation-id': 'order-4711',
      'x-causation-id': 'payment-received-9',
    };
    const posted = await server.gql(
      TRANSFER,
      {
        input: {
          idempotencyKey: 'meta-1',
          debitAccount: 'assets:bank',
          creditAccount: 'revenue:sales',
          amount: '1.00',
        },
      },
      headers,
    );
    const id = posted.body.data.transfer.id;
    const trail = await api.auditTrail(
      { transaction: id },
      'metadata { actor requestId correlationId causationId idempotencyKey command clientAddress }',
    );
    const metadata = trail.map((node) => node.metadata);
    expect(metadata).toHaveLength(2);
    for (const m of metadata) {
      expect(m).toEqual({
        actor: 'test-admin',
        requestId: 'req-77',
        correlationId: 'order-4711',
        causationId: 'payment-received-9',
        idempotencyKey: 'meta-1',
        command: 'transfer',
        clientAddress: expect.stringMatching(/127\.0\.0\.1/),
      });
    }
  });

  it('falls back to the request id for correlation, and ignores ids that are not printable ASCII of at most 128 characters', async () => {
    const posted = await server.gql(
      TRANSFER,
      {
        input: {
          idempotencyKey: 'meta-2',
          debitAccount: 'assets:bank',
          creditAccount: 'revenue:sales',
          amount: '1.00',
        },
      },
      { 'x-correlation-id': 'x'.repeat(200), 'x-causation-id': 'has space' },
    );
    const requestId = posted.headers.get('x-request-id');
    const trail = await api.auditTrail(
      { transaction: posted.body.data.transfer.id, first: 1 },
      'metadata { requestId correlationId causationId }',
    );
    expect(trail[0].metadata).toEqual({
      requestId,
      correlationId: requestId,
      causationId: null,
    });
  });
});

describe('exportReport', () => {
  const EXPORT =
    'query($input: ExportInput!) { exportReport(input: $input) { filename contentType content rows atPosition knownAt } }';

  it('returns a statement as CSV and the journal for hledger, each at one position', async () => {
    const csv = (
      await server.gql(EXPORT, {
        input: {
          report: 'ACCOUNT_STATEMENT',
          format: 'CSV',
          account: 'assets:bank',
          from: '2026-01-01T00:00:00Z',
          to: '2026-02-01T00:00:00Z',
        },
      })
    ).body.data.exportReport;
    expect(csv.filename).toBe(`account-statement-${csv.atPosition}.csv`);
    expect(csv.contentType).toBe('text/csv; charset=utf-8');
    expect(csv.content.split('\r\n')[0]).toBe(
      'Effective,Recorded,Transaction,Description,Counter-accounts,Debit,Credit,Balance,Late',
    );
    expect(csv.rows).toBeGreaterThanOrEqual(4);
    const journal = (await server.gql(EXPORT, { input: { report: 'JOURNAL', format: 'HLEDGER' } })).body.data
      .exportReport;
    expect(journal.content).toMatch(/^; Inkwell journal/);
    expect(journal.content).toMatch(
      /\n2026-01-02 \(\d+\) d1\n {4}; id:[0-9a-f-]{36}, effective:2026-01-02T00:00:00.000Z, recorded:\S+\n {4}assets:bank {2}100.00 USD\n {4}equity:capital {2}-100.00 USD\n/,
    );
  });

  it('refuses a report without what it needs, and mismatched journal formats, as client errors', async () => {
    for (const input of [
      { report: 'AUDIT_TRAIL', format: 'CSV', actor: 'a\u0000b' },
      { report: 'AUDIT_TRAIL', format: 'CSV', type: 'x;drop' },
      { report: 'AUDIT_TRAIL', format: 'CSV', transaction: 'not-a-uuid' },
      { report: 'ACCOUNT_STATEMENT', format: 'CSV', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
      {
        report: 'ACCOUNT_STATEMENT',
        format: 'CSV',
        account: 'assets:ghost',
        from: '2026-01-01T00:00:00Z',
        to: '2026-02-01T00:00:00Z',
      },
      { report: 'INCOME_STATEMENT', format: 'HTML' },
      { report: 'JOURNAL', format: 'CSV' },
      { report: 'TRIAL_BALANCE', format: 'HLEDGER' },
    ]) {
      const res = await server.gql(EXPORT, { input });
      expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(res.body.data).toBeNull();
    }
  });
});
