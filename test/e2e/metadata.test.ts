/**
 * Metadata over a real socket (issue 19, points 2 and 3): declaring indexes, filtering entries,
 * transactions and accounts by metadata as known at a position, changing a transaction's
 * metadata, the typed refusals, and paging by metadata while others write (no skip, no repeat).
 * That every predicate equals a scan of the log at every position is
 * test/property/metadata.property.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/domain/json.js';
import { valueAt } from '../../src/domain/metadata.js';
import { readHead } from '../../src/store/event-store.js';
import { scanMetadata } from '../support/metadata-scan.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const OPEN = 'mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename } }';
const POST = `mutation($input: PostTransactionInput!) {
  postTransaction(input: $input) { __typename ... on Transaction { id } } }`;
const INDEX = `mutation($input: CreateMetadataIndexInput!) {
  createMetadataIndex(input: $input) { __typename ... on MetadataIndex { target path state position } ... on Error { code message } } }`;
const UPDATE = `mutation($input: UpdateTransactionMetadataInput!) {
  updateTransactionMetadata(input: $input) { __typename ... on Transaction { id metadata } ... on Error { code message } } }`;
const TRANSACTIONS = `query($filter: TransactionFilter, $atPosition: Int) {
  transactions(filter: $filter, atPosition: $atPosition, order: ASC) { totalCount edges { node { idempotencyKey metadata } } } }`;
const ENTRIES = `query($filter: EntryFilter) { entries(filter: $filter, order: ASC) { totalCount edges { node { account { code } } } } }`;
const ACCOUNTS = `query($filter: AccountFilter, $knownAt: DateTime) {
  accounts(filter: $filter, knownAt: $knownAt) { edges { node { code } } } }`;
const HEAD = '{ verifyIntegrity { eventsChecked } }';

const ids: Record<string, string> = {};
const post = async (key: string, metadata: unknown) => {
  const input = {
    idempotencyKey: key,
    metadata,
    entries: [
      { account: 'assets:bank', direction: 'DEBIT', amount: '10.00' },
      { account: 'liabilities:ann', direction: 'CREDIT', amount: '10.00' },
    ],
  };
  const body = (await server.gql(POST, { input })).body;
  expect(body.data.postTransaction.__typename).toBe('Transaction');
  ids[key] = body.data.postTransaction.id;
};
const keysOf = (body: { data?: { transactions: { edges: Array<{ node: { idempotencyKey: string } }> } } }) =>
  body.data!.transactions.edges.map((e) => e.node.idempotencyKey);

beforeAll(async () => {
  server = await startTestServer();
  for (const [code, type, metadata] of [
    ['assets:bank', 'ASSET', { region: 'eu' }],
    ['liabilities:ann', 'LIABILITY', { region: 'us', tier: 1 }],
  ] as const) {
    const input = { code, name: code, type, currency: 'USD', metadata, effectiveAt: '2026-01-01T00:00:00Z' };
    expect((await server.gql(OPEN, { input })).body.data.openAccount.__typename).toBe('Account');
  }
  await post('t1', { customer: { id: 'c1' }, channel: 'web' });
  await post('t2', { customer: { id: 'c2' } });
  await post('t3', null);
});
afterAll(() => server.close());

describe('metadata indexes', () => {
  it('refuses a path with no index as METADATA_NOT_INDEXED, and changes nothing', async () => {
    const body = (await server.gql(TRANSACTIONS, { filter: { metadata: [{ path: 'customer.id', eq: 'c1' }] } })).body;
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'METADATA_NOT_INDEXED',
      target: 'TRANSACTION',
      path: 'customer.id',
    });
  });

  it('declares indexes (again: no change), lists them READY once built', async () => {
    for (const [target, path] of [
      ['TRANSACTION', 'customer.id'],
      ['TRANSACTION', 'channel'],
      ['ACCOUNT', 'region'],
    ]) {
      const body = (await server.gql(INDEX, { input: { target, path } })).body;
      expect(body.data.createMetadataIndex).toMatchObject({ __typename: 'MetadataIndex', target, path });
    }
    const again = (await server.gql(INDEX, { input: { target: 'ACCOUNT', path: 'region' } })).body;
    expect(again.data.createMetadataIndex.__typename).toBe('MetadataIndex');
    const head = (await server.gql(HEAD)).body.data.verifyIntegrity.eventsChecked;
    await expect
      .poll(
        async () => (await server.gql('{ metadataIndexes { target path state position } }')).body.data.metadataIndexes,
      )
      .toEqual([
        { target: 'ACCOUNT', path: 'region', state: 'READY', position: head },
        { target: 'TRANSACTION', path: 'channel', state: 'READY', position: head },
        { target: 'TRANSACTION', path: 'customer.id', state: 'READY', position: head },
      ]);
  });

  it('filters transactions and entries by eq, in and exists', async () => {
    const find = async (metadata: unknown) => keysOf((await server.gql(TRANSACTIONS, { filter: { metadata } })).body);
    expect(await find([{ path: 'customer.id', eq: 'c1' }])).toEqual(['t1']);
    expect(await find([{ path: 'customer.id', in: ['c1', 'c2', 'c9'] }])).toEqual(['t1', 't2']);
    expect(await find([{ path: 'customer.id', exists: false }])).toEqual(['t3']);
    expect(
      await find([
        { path: 'customer.id', exists: true },
        { path: 'channel', eq: 'web' },
      ]),
    ).toEqual(['t1']);
    const entries = (await server.gql(ENTRIES, { filter: { metadata: [{ path: 'customer.id', eq: 'c2' }] } })).body;
    expect(entries.data.entries.totalCount).toBe(2);
  });

  it('answers with the metadata as known at the position read, after it changed', async () => {
    const before = (await server.gql(HEAD)).body.data.verifyIntegrity.eventsChecked;
    const beforeTime = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const changed = (
      await server.gql(UPDATE, {
        input: { transactionId: ids.t1, set: { 'customer.id': 'c2', 'customer.name': 'Ann' }, unset: ['channel'] },
      })
    ).body.data.updateTransactionMetadata;
    expect(changed).toEqual({
      __typename: 'Transaction',
      id: ids.t1,
      metadata: { customer: { id: 'c2', name: 'Ann' } },
    });
    const now = (await server.gql(TRANSACTIONS, { filter: { metadata: [{ path: 'customer.id', eq: 'c2' }] } })).body;
    expect(keysOf(now)).toEqual(['t1', 't2']);
    const then = (
      await server.gql(TRANSACTIONS, { filter: { metadata: [{ path: 'customer.id', eq: 'c1' }] }, atPosition: before })
    ).body;
    expect(then.data.transactions.edges).toEqual([
      { node: { idempotencyKey: 't1', metadata: { customer: { id: 'c1' }, channel: 'web' } } },
    ]);
    // metadata(knownAt): the same history through any Transaction.
    const AT = `query($id: ID!, $knownAt: DateTime) { transaction(id: $id) { now: metadata earlier: metadata(knownAt: $knownAt) } }`;
    const known = (await server.gql(AT, { id: ids.t1, knownAt: beforeTime })).body.data.transaction;
    expect(known).toEqual({
      now: { customer: { id: 'c2', name: 'Ann' } },
      earlier: { customer: { id: 'c1' }, channel: 'web' },
    });
    // A page of them at once (one lookup for the page): each its own.
    const PAGE = `query($knownAt: DateTime) { transactions(order: ASC, first: 3) {
      edges { node { idempotencyKey earlier: metadata(knownAt: $knownAt) } } } }`;
    const page = (await server.gql(PAGE, { knownAt: beforeTime })).body.data.transactions.edges;
    expect(page.map((e: { node: unknown }) => e.node)).toEqual([
      { idempotencyKey: 't1', earlier: { customer: { id: 'c1' }, channel: 'web' } },
      { idempotencyKey: 't2', earlier: { customer: { id: 'c2' } } },
      { idempotencyKey: 't3', earlier: null },
    ]);
  });

  it('filters accounts by metadata as recorded by knownAt', async () => {
    const codes = async (filter: unknown, knownAt?: string) =>
      (await server.gql(ACCOUNTS, { filter, knownAt })).body.data.accounts.edges.map(
        (e: { node: { code: string } }) => e.node.code,
      );
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const update = 'mutation($input: UpdateAccountInput!) { updateAccount(input: $input) { __typename } }';
    await server.gql(update, { input: { code: 'liabilities:ann', metadata: { region: 'eu' } } });
    expect(await codes({ metadata: [{ path: 'region', eq: 'eu' }] })).toEqual(['assets:bank', 'liabilities:ann']);
    expect(await codes({ metadata: [{ path: 'region', eq: 'eu' }] }, before)).toEqual(['assets:bank']);
    const AT = `query($knownAt: DateTime) { account(code: "liabilities:ann") { now: metadata earlier: metadata(knownAt: $knownAt) } }`;
    expect((await server.gql(AT, { knownAt: before })).body.data.account).toEqual({
      now: { region: 'eu' },
      earlier: { region: 'us', tier: 1 },
    });
    const early = (await server.gql(AT, { knownAt: '2000-01-01T00:00:00Z' })).body.data.account;
    expect(early.earlier).toBeNull();
    const LIST = `query($knownAt: DateTime) { accounts { edges { node { code earlier: metadata(knownAt: $knownAt) } } } }`;
    expect((await server.gql(LIST, { knownAt: before })).body.data.accounts.edges).toEqual([
      { node: { code: 'assets:bank', earlier: { region: 'eu' } } },
      { node: { code: 'liabilities:ann', earlier: { region: 'us', tier: 1 } } },
    ]);
  });

  it('aggregates balances by a metadata selector, grouped by a metadata path', async () => {
    const BALANCES = `query($selector: AccountSelector!, $groupBy: GroupBy) {
      balances(selector: $selector, groupBy: $groupBy) { key currency accountCount posted { amount } } }`;
    const grouped = (
      await server.gql(BALANCES, { selector: { prefix: 'liabilities' }, groupBy: { metadataPath: 'region' } })
    ).body;
    expect(grouped.data.balances).toEqual([
      { key: '"eu"', currency: 'USD', accountCount: 1, posted: { amount: '30.00' } },
    ]);
    // Normal-side balances of an asset and a liability, added as they are (docs/api.md).
    const selected = (await server.gql(BALANCES, { selector: { metadata: [{ path: 'region', eq: 'eu' }] } })).body;
    expect(selected.data.balances).toEqual([
      { key: 'metadata', currency: 'USD', accountCount: 2, posted: { amount: '60.00' } },
    ]);
    const unindexed = (
      await server.gql(BALANCES, { selector: { prefix: 'assets' }, groupBy: { metadataPath: 'tier' } })
    ).body;
    expect(unindexed.errors?.[0]?.extensions).toMatchObject({ code: 'METADATA_NOT_INDEXED', target: 'ACCOUNT' });
    const both = (
      await server.gql(BALANCES, { selector: { prefix: 'assets' }, groupBy: { level: 1, metadataPath: 'region' } })
    ).body;
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses hostile predicates and changes with typed errors, writing nothing', async () => {
    const head = (await server.gql(HEAD)).body.data.verifyIntegrity.eventsChecked;
    for (const metadata of [
      [{ path: 'customer.id' }],
      [{ path: 'customer.id', eq: 'c1', exists: true }],
      [{ path: 'customer.id', eq: null }],
      [{ path: 'customer..id', eq: 'x' }],
      [{ path: "x'; DROP TABLE events; --", eq: 'x' }],
      [{ path: 'customer.id', in: [] }],
    ]) {
      const body = (await server.gql(TRANSACTIONS, { filter: { metadata } })).body;
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(metadata)).toBe('BAD_USER_INPUT');
    }
    for (const input of [
      { transactionId: ids.t2 },
      { transactionId: ids.t2, set: { a: 1 }, unset: ['a'] },
      { transactionId: ids.t2, set: [1] },
      { transactionId: ids.t2, set: { 'a..b': 1 } },
    ]) {
      const body = (await server.gql(UPDATE, { input })).body;
      expect(body.data.updateTransactionMetadata.code, JSON.stringify(input)).toBe('VALIDATION_ERROR');
    }
    const missing = (
      await server.gql(UPDATE, { input: { transactionId: '00000000-0000-4000-8000-000000000000', set: { a: 1 } } })
    ).body;
    expect(missing.data.updateTransactionMetadata.code).toBe('TRANSACTION_NOT_FOUND');
    const badIndex = (await server.gql(INDEX, { input: { target: 'TRANSACTION', path: 'a b' } })).body;
    expect(badIndex.data.createMetadataIndex.code).toBe('VALIDATION_ERROR');
    expect((await server.gql(HEAD)).body.data.verifyIntegrity.eventsChecked).toBe(head);
  });

  it('changing nothing writes nothing', async () => {
    const head = (await server.gql(HEAD)).body.data.verifyIntegrity.eventsChecked;
    const body = (await server.gql(UPDATE, { input: { transactionId: ids.t3, unset: ['absent'] } })).body;
    expect(body.data.updateTransactionMetadata).toMatchObject({ id: ids.t3, metadata: null });
    expect((await server.gql(HEAD)).body.data.verifyIntegrity.eventsChecked).toBe(head);
  });
});

describe('paging by metadata while others write', () => {
  const SEARCH = {
    transactions: `query($filter: TransactionFilter, $first: Int, $after: String, $order: SortOrder) {
      transactions(filter: $filter, first: $first, after: $after, order: $order) {
        totalCount edges { cursor node { id metadata } } pageInfo { hasNextPage endCursor } } }`,
    entries: `query($filter: EntryFilter, $first: Int, $after: String, $order: SortOrder) {
      entries(filter: $filter, first: $first, after: $after, order: $order) {
        totalCount edges { cursor node { account { code } transaction { id } } } pageInfo { hasNextPage endCursor } } }`,
  };
  type List = keyof typeof SEARCH;
  type Node = { id: string; metadata: unknown } | { account: { code: string }; transaction: { id: string } };
  const filter = { metadata: [{ path: 'customer.id', eq: 'c1' }] };
  const isC1 = (t: { metadata: JsonObject | null }) => valueAt(t.metadata, 'customer.id') === 'c1';
  /** The position a search cursor carries (src/graphql/search.ts: `[list, "position.key"]`). */
  const pinnedBy = (cursor: string) => Number(JSON.parse(Buffer.from(cursor, 'base64url').toString())[1].split('.')[0]);
  const head = async () => (await readHead(server.database.db))?.position ?? 0;
  const sales: string[] = [];
  let saleNo = 0;
  const sale = async (customer: string) => {
    const n = ++saleNo;
    const input = {
      idempotencyKey: `sale-${n}`,
      metadata: { customer: { id: customer }, n },
      entries: [
        { account: 'assets:till', direction: 'DEBIT', amount: '1.00' },
        { account: 'revenue:sales', direction: 'CREDIT', amount: '1.00' },
      ],
    };
    const body = (await server.gql(POST, { input })).body;
    expect(body.data?.postTransaction.__typename, JSON.stringify(body)).toBe('Transaction');
    sales.push(body.data.postTransaction.id);
  };
  const retag = async (transactionId: string, change: { set: Record<string, string> } | { unset: string[] }) => {
    const body = (await server.gql(UPDATE, { input: { transactionId, ...change } })).body;
    expect(body.data?.updateTransactionMetadata.__typename, JSON.stringify(body)).toBe('Transaction');
  };
  /** Pages read so far: each other client writes once a page, so the lists grow alike on both databases. */
  let pagesRead = 0;
  /**
   * Another client: sales (a c1 one every fourth), and sales moved between customers or stripped of
   * theirs; about as much leaves c1 as joins it, so the lists stay a few pages long.
   */
  const otherClient = async (seed: number, running: () => boolean) => {
    for (let i = seed, seen = 0; running(); ) {
      if (pagesRead === seen) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      seen = pagesRead;
      await sale(i % 4 === 0 ? 'c1' : 'c2');
      const change = i % 3 === 2 ? { unset: ['customer.id'] } : { set: { 'customer.id': i % 3 === 0 ? 'c1' : 'c2' } };
      await retag(sales[(i * 7) % sales.length]!, change);
      i += 2;
    }
  };

  /**
   * Every page, 3 at a time. Between two pages the reader itself aims at what it has not read yet:
   * it moves an unread c1 transaction (as at the pinned position) to c2, moves a sale that was not
   * c1 there to c1, posts a new c1 sale and strips a read one of its customer — none of which may
   * change the pages still to come.
   */
  async function readAll(list: List, order: 'ASC' | 'DESC') {
    const nodes: Node[] = [];
    const counts = new Set<number>();
    const pins = new Set<number>();
    const before = await head();
    let atPin: Awaited<ReturnType<typeof scanMetadata>> | undefined;
    let after: string | undefined;
    for (let page = 0; ; page++) {
      const body = (await server.gql(SEARCH[list], { filter, first: 3, after, order })).body;
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      const connection = body.data[list];
      pagesRead++;
      counts.add(connection.totalCount);
      for (const edge of connection.edges) {
        nodes.push(edge.node);
        pins.add(pinnedBy(edge.cursor));
      }
      if (page === 0) {
        // The first page pins the head it was read at.
        expect(pins.size).toBe(1);
        const pinned = [...pins][0]!;
        expect(pinned).toBeGreaterThanOrEqual(before);
        expect(pinned).toBeLessThanOrEqual(await head());
        atPin = await scanMetadata(server.database.db, pinned);
      }
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
      const read = new Set(nodes.map((node) => ('id' in node ? node.id : node.transaction.id)));
      const unread = atPin!.transactions.filter((t) => isC1(t) && !read.has(t.id));
      const others = atPin!.transactions.filter((t) => !isC1(t) && sales.includes(t.id));
      if (unread.length > 0) await retag(unread[page % unread.length]!.id, { set: { 'customer.id': 'c2' } });
      if (others.length > 0) await retag(others[page % others.length]!.id, { set: { 'customer.id': 'c1' } });
      await sale('c1');
      // And one already read loses its customer, so c1 does not grow from one reading to the next.
      await retag([...read][page % read.size]!, { unset: ['customer.id'] });
    }
    expect(pins.size, `${list} ${order}: every cursor names the first page’s position`).toBe(1);
    return { nodes, counts: [...counts], pinned: [...pins][0]!, atPin: atPin! };
  }

  it('pages transactions and entries of one customer, 3 at a time, with no skip or repeat', async () => {
    for (const [code, type] of [
      ['assets:till', 'ASSET'],
      ['revenue:sales', 'REVENUE'],
    ]) {
      const input = { code, name: code, type, currency: 'USD', effectiveAt: '2026-01-01T00:00:00Z' };
      expect((await server.gql(OPEN, { input })).body.data.openAccount.__typename).toBe('Account');
    }
    // Declared again (no change where it exists), so this suite does not lean on the one above.
    const declared = (await server.gql(INDEX, { input: { target: 'TRANSACTION', path: 'customer.id' } })).body;
    expect(declared.data.createMetadataIndex.__typename).toBe('MetadataIndex');
    for (let i = 0; i < 16; i++) await sale(i % 4 === 3 ? 'c2' : 'c1');

    let reading = true;
    const writers = Promise.all([otherClient(0, () => reading), otherClient(1, () => reading)]);
    try {
      for (const [list, order] of [
        ['transactions', 'ASC'],
        ['transactions', 'DESC'],
        ['entries', 'ASC'],
        ['entries', 'DESC'],
      ] as const) {
        const { nodes, counts, pinned, atPin } = await readAll(list, order);
        // Brute force: the log up to the pinned position, read with no index.
        const c1 = atPin.transactions.filter(isC1);
        const ids = new Set(c1.map((t) => t.id));
        const expected: Node[] =
          list === 'transactions'
            ? c1.map((t) => ({ id: t.id, metadata: t.metadata }))
            : atPin.entries
                .filter((e) => ids.has(e.transactionId))
                .map((e) => ({ account: { code: e.accountCode }, transaction: { id: e.transactionId } }));
        if (order === 'DESC') expected.reverse();
        const label = `${list} ${order} at ${pinned}`;
        expect(new Set(nodes.map((node) => JSON.stringify(node))).size, `${label}: a repeat`).toBe(nodes.length);
        expect(nodes, label).toEqual(expected);
        expect(counts, `${label}: totalCount`).toEqual([expected.length]);
        expect(nodes.length, `${label}: several pages`).toBeGreaterThan(9);
        // The writes did change the answer: read afresh, c1 holds other transactions than the pages showed.
        const now = (await scanMetadata(server.database.db, await head())).transactions.filter(isC1);
        expect(now.map((t) => t.id)).not.toEqual(c1.map((t) => t.id));
      }
    } finally {
      reading = false;
      await writers;
    }
  });
});
