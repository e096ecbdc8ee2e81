/**
 * The permission matrix over a real socket: every root field (and every field with a scope of
 * its own) × every role × no key. A field added without a row here fails the first test, so
 * nothing reaches the schema unclassified.
 */
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_PERMISSIONS, ROLES, type Permission, type Role } from '../../src/domain/access.js';
import { schema } from '../../src/graphql/schema.js';
import { ledgerApi } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { logState } from '../support/log-state.js';

let server: TestServer;
let transactionId: string;
let holdId: string;
let voidId: string;
let adjustId: string;
let adjusted = 0;
/**
 * Monitors for the monitor mutations: the first is paused and resumed, the others deleted one per
 * call (every role and no key: one each, so that each allowed call deletes a monitor that exists).
 */
const monitorIds: string[] = [];
let deleted = 0;
/** Child categories for addToCategory, one per call (every role and no key). */
const childCategories: string[] = [];
let addedChildren = 0;
/** Consumers for deleteConsumer, one per call (every role and no key). */
let deletedConsumers = 0;
/** A webhook for the webhook mutations (a public test address: never a receiver, never resolved). */
let webhookId: string;
/** Webhooks for deleteWebhook, one per call (every role and no key). */
const webhookIds: string[] = [];
let deletedWebhooks = 0;
const WEBHOOK_URL = 'http://203.0.113.10/hook';
const keys = {} as Record<Role, string>;
let sequence = 0;

interface Row {
  /** The field the document exercises (its alias in the answer is `f`). */
  needs: Permission;
  /** A fresh document and variables for each call, so that every allowed call does real work. */
  request(): { query: string; variables?: Record<string, unknown> };
  /** The path to the guarded value in `data`. */
  path?: string[];
  /** A subscription: asked for as server-sent events, answered by its first event. */
  stream?: boolean;
}

const next = () => `${Date.now().toString(36)}-${++sequence}`;

const MATRIX: Record<string, Row> = {
  'Query.account': {
    needs: 'read',
    request: () => ({ query: '{ f: account(code: "assets:cash") { code minimumBalance maximumBalance } }' }),
  },
  'Query.accounts': {
    needs: 'read',
    request: () => ({ query: '{ f: accounts(first: 5) { edges { node { code } } } }' }),
  },
  'Query.balances': {
    needs: 'read',
    request: () => ({ query: '{ f: balances(selector: { prefix: "assets" }) { key accountCount } }' }),
  },
  'Query.category': {
    needs: 'read',
    request: () => ({ query: '{ f: category(code: "matrix") { code members { code } balance { currency } } }' }),
  },
  'Query.price': {
    needs: 'read',
    request: () => ({ query: '{ f: price(base: "EUR", quote: "USD") { rate } }' }),
  },
  'Query.prices': {
    needs: 'read',
    request: () => ({ query: '{ f: prices(base: "EUR", quote: "USD", first: 5) { edges { cursor } } }' }),
  },
  'Query.transactions': {
    needs: 'read',
    request: () => ({ query: '{ f: transactions(first: 5) { totalCount edges { cursor } } }' }),
  },
  'Query.entries': {
    needs: 'read',
    request: () => ({ query: '{ f: entries(first: 5) { totalCount edges { cursor } } }' }),
  },
  'Query.transaction': {
    needs: 'read',
    request: () => ({ query: 'query($id: ID!) { f: transaction(id: $id) { id } }', variables: { id: transactionId } }),
  },
  'Query.node': {
    needs: 'read',
    request: () => ({ query: `{ f: node(id: "Account:assets:cash") { id ... on Account { code } } }` }),
  },
  'Query.verifyIntegrity': {
    needs: 'audit',
    request: () => ({ query: '{ f: verifyIntegrity { ok eventsChecked } }' }),
  },
  'Query.accountStatement': {
    needs: 'read',
    request: () => ({
      query:
        '{ f: accountStatement(account: "assets:cash", from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z") { atPosition closing { amount } lines(first: 5) { edges { node { amount { amount } } } } } }',
    }),
  },
  'Query.trialBalance': {
    needs: 'read',
    request: () => ({ query: '{ f: trialBalance { atPosition balanced lines { code } } }' }),
  },
  'Query.balanceSheet': {
    needs: 'read',
    request: () => ({ query: '{ f: balanceSheet { atPosition totals { balanced } } }' }),
  },
  'Query.incomeStatement': {
    needs: 'read',
    request: () => ({
      query:
        '{ f: incomeStatement(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z") { atPosition totals { netIncome { amount } } } }',
    }),
  },
  'Query.auditTrail': {
    needs: 'audit',
    request: () => ({ query: '{ f: auditTrail(first: 3) { atPosition edges { node { position hash } } } }' }),
  },
  'Query.exportReport': {
    needs: 'audit',
    request: () => ({
      query: '{ f: exportReport(input: { report: TRIAL_BALANCE, format: CSV }) { filename rows content } }',
    }),
  },
  'Query.books': { needs: 'read', request: () => ({ query: '{ f: books { lockedThrough } }' }) },
  'Subscription.ledgerEvents': {
    needs: 'read',
    stream: true,
    request: () => ({ query: 'subscription { f: ledgerEvents { position } }' }),
  },
  'Subscription.accountEvents': {
    needs: 'read',
    stream: true,
    request: () => ({ query: 'subscription { f: accountEvents(code: "assets:cash") { version } }' }),
  },
  'Query.metadataIndexes': { needs: 'read', request: () => ({ query: '{ f: metadataIndexes { path state } }' }) },
  'Mutation.createMetadataIndex': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($path: String!) { f: createMetadataIndex(input: { target: TRANSACTION, path: $path }) { __typename ... on MetadataIndex { path } } }',
      variables: { path: `p${++sequence}` },
    }),
  },
  'Mutation.updateTransactionMetadata': {
    needs: 'post',
    request: () => ({
      query:
        'mutation($id: ID!, $set: JSON) { f: updateTransactionMetadata(input: { transactionId: $id, set: $set }) { __typename ... on Transaction { id } } }',
      variables: { id: transactionId, set: { note: next() } },
    }),
  },
  'Query.balanceMonitors': { needs: 'read', request: () => ({ query: '{ f: balanceMonitors { id } }' }) },
  'Subscription.balanceAlerts': {
    needs: 'read',
    stream: true,
    request: () => ({ query: 'subscription { f: balanceAlerts { id } }' }),
  },
  'Mutation.createBalanceMonitor': {
    needs: 'post',
    request: () => ({
      query:
        'mutation { f: createBalanceMonitor(input: { account: "assets:cash", metric: POSTED, comparison: LT, amount: "1.00" }) { __typename ... on BalanceMonitor { id } } }',
    }),
  },
  'Mutation.pauseBalanceMonitor': {
    needs: 'post',
    request: () => ({
      query: 'mutation($id: String!) { f: pauseBalanceMonitor(input: { id: $id }) { __typename } }',
      variables: { id: monitorIds[0] },
    }),
  },
  'Mutation.resumeBalanceMonitor': {
    needs: 'post',
    request: () => ({
      query: 'mutation($id: String!) { f: resumeBalanceMonitor(input: { id: $id }) { __typename } }',
      variables: { id: monitorIds[0] },
    }),
  },
  'Mutation.deleteBalanceMonitor': {
    needs: 'post',
    request: () => ({
      query: 'mutation($id: String!) { f: deleteBalanceMonitor(input: { id: $id }) { __typename } }',
      variables: { id: monitorIds[++deleted] },
    }),
  },
  'Query.apiKeys': {
    needs: 'admin',
    request: () => ({ query: '{ f: apiKeys(first: 5) { edges { node { name role } } } }' }),
  },
  'Mutation.openAccount': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($code: String!) { f: openAccount(input: { code: $code, name: "M", type: ASSET, currency: "USD", minimumBalance: "0", maximumBalance: "100" }) { __typename ... on Account { code } } }',
      variables: { code: `assets:m-${next()}` },
    }),
    // The code, not the union: an allowed call must open the account, not answer a refusal.
    path: ['f', 'code'],
  },
  'Mutation.createCategory': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($code: String!) { f: createCategory(input: { code: $code, name: "C" }) { __typename ... on Category { code } } }',
      variables: { code: `c-${next()}` },
    }),
  },
  // Each call adds a member the category does not have yet (a fresh child category).
  'Mutation.addToCategory': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($child: String!) { f: addToCategory(input: { category: "matrix", childCategory: $child }) { __typename ... on Category { code } } }',
      variables: { child: childCategories[++addedChildren] },
    }),
  },
  // The seeded member, removed once by the one role allowed; the others are refused before they look.
  'Mutation.removeFromCategory': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation { f: removeFromCategory(input: { category: "matrix", account: "assets:cash" }) { __typename ... on Category { code } } }',
    }),
  },
  // Each call records a new price (a fresh rate at one instant: a correction, never a no-op).
  'Mutation.setPrice': {
    needs: 'post',
    request: () => ({
      query:
        'mutation($rate: Decimal!) { f: setPrice(input: { base: "EUR", quote: "USD", rate: $rate, effectiveAt: "2026-01-01T00:00:00Z" }) { __typename ... on Price { rate } } }',
      variables: { rate: `1.${++sequence}` },
    }),
    path: ['f', 'rate'],
  },
  'Mutation.postTransaction': {
    needs: 'post',
    request: () => ({
      // With a balance condition and an expected version (of an account no call changes): both hold.
      query: `mutation($key: String!) { f: postTransaction(input: { idempotencyKey: $key, entries: [
        { account: "assets:cash", direction: DEBIT, amount: "1.00" }, { account: "equity:capital", direction: CREDIT, amount: "1.00" }],
        conditions: [{ account: "assets:cash", metric: PENDING, eq: "0" }], expectedVersions: [{ account: "assets:still", version: 1 }] }) { __typename ... on Transaction { id } } }`,
      variables: { key: `p-${next()}` },
    }),
    // The id, not the union: an allowed call must post (VersionMismatch, BalanceConditionFailed are refusals).
    path: ['f', 'id'],
  },
  'Mutation.postTransactions': {
    needs: 'post',
    request: () => ({
      query:
        'mutation($key: String!) { f: postTransactions(input: { transactions: [{ idempotencyKey: $key, entries: [{ account: "assets:cash", direction: DEBIT, amount: "1.00" }, { account: "equity:capital", direction: CREDIT, amount: "1.00" }] }] }) { posted } }',
      variables: { key: `b-${next()}` },
    }),
  },
  'Mutation.executeBatch': {
    needs: 'post',
    request: () => ({
      query:
        'mutation($key: String!) { f: executeBatch(input: { operations: [{ transfer: { idempotencyKey: $key, debitAccount: "assets:cash", creditAccount: "equity:capital", amount: "1.00" } }] }) { succeeded } }',
      variables: { key: `x-${next()}` },
    }),
  },
  'Mutation.transfer': {
    needs: 'post',
    request: () => ({
      query:
        'mutation($key: String!) { f: transfer(input: { idempotencyKey: $key, debitAccount: "assets:cash", creditAccount: "equity:capital", amount: "1.00", upTo: true }) { __typename ... on Transaction { id } } }',
      variables: { key: `t-${next()}` },
    }),
    path: ['f', 'id'],
  },
  // A hold captured a cent leg by leg per call (final: false keeps the rest for the next call).
  'Mutation.commitPending': {
    needs: 'post',
    request: () => ({
      query: `mutation($key: String!, $id: ID!) { f: commitPending(input: { idempotencyKey: $key, transactionId: $id, final: false,
          legs: [{ account: "assets:cash", amount: "0.01" }, { account: "equity:capital", amount: "0.01" }] }) { __typename } }`,
      variables: { key: `c-${next()}`, id: holdId },
    }),
  },
  // Each call sets the hold to another amount, so each allowed call writes.
  'Mutation.adjustPending': {
    needs: 'post',
    request: () => ({
      query:
        'mutation($id: ID!, $amount: Decimal!) { f: adjustPending(input: { transactionId: $id, amount: $amount }) { __typename } }',
      variables: { id: adjustId, amount: `2.${String(++adjusted).padStart(2, '0')}` },
    }),
  },
  'Mutation.voidPending': {
    needs: 'post',
    request: () => ({
      query: 'mutation($id: ID!) { f: voidPending(input: { transactionId: $id }) { __typename } }',
      variables: { id: voidId },
    }),
  },
  'Mutation.reverseTransaction': {
    needs: 'post',
    request: () => ({
      query:
        'mutation($key: String!, $id: ID!) { f: reverseTransaction(input: { idempotencyKey: $key, transactionId: $id }) { __typename } }',
      variables: { key: `r-${next()}`, id: transactionId },
    }),
  },
  'Mutation.freezeAccount': {
    needs: 'admin',
    request: () => ({ query: 'mutation { f: freezeAccount(input: { code: "assets:frozen" }) { __typename } }' }),
  },
  'Mutation.unfreezeAccount': {
    needs: 'admin',
    request: () => ({ query: 'mutation { f: unfreezeAccount(input: { code: "assets:frozen" }) { __typename } }' }),
  },
  'Mutation.updateAccount': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($name: String!) { f: updateAccount(input: { code: "assets:frozen", name: $name }) { __typename } }',
      variables: { name: next() },
    }),
  },
  'Mutation.setMinimumBalance': {
    needs: 'admin',
    request: () => ({
      query: 'mutation { f: setMinimumBalance(input: { code: "assets:frozen", minimumBalance: "0" }) { __typename } }',
    }),
  },
  'Mutation.setMaximumBalance': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation { f: setMaximumBalance(input: { code: "assets:frozen", maximumBalance: "1000" }) { __typename ... on Account { maximumBalance } } }',
    }),
    path: ['f', 'maximumBalance'],
  },
  'Mutation.closePeriod': {
    needs: 'admin',
    request: () => ({
      query: 'mutation { f: closePeriod(input: { through: "2000-01-01T00:00:00Z" }) { __typename } }',
    }),
  },
  // Each call moves the lock (set in beforeAll) a little further back, so there is always something to reopen.
  'Mutation.reopenPeriod': {
    needs: 'admin',
    request: () => ({
      query: 'mutation($through: DateTime!) { f: reopenPeriod(input: { through: $through }) { __typename } }',
      variables: { through: new Date(Date.parse('1999-01-01T00:00:00Z') - ++sequence).toISOString() },
    }),
  },
  'Mutation.closeAccount': {
    needs: 'admin',
    request: () => ({
      query: 'mutation { f: closeAccount(input: { code: "assets:empty" }) { __typename ... on Account { status } } }',
    }),
  },
  'Mutation.createApiKey': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($name: String!) { f: createApiKey(input: { name: $name, role: reader }) { __typename ... on CreatedApiKey { secret } } }',
      variables: { name: `k-${next()}` },
    }),
  },
  'Query.ledgers': {
    needs: 'read',
    request: () => ({ query: '{ f: ledgers(first: 5) { edges { node { name endpoint } } } }' }),
  },
  'Mutation.createLedger': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($name: String!) { f: createLedger(input: { name: $name, description: "matrix" }) { __typename ... on Ledger { name } } }',
      variables: { name: `m_${next().replace(/-/g, '_')}` },
    }),
    // The name, not the union: an allowed call must create the ledger, not answer a refusal.
    path: ['f', 'name'],
  },
  'Query.webhooks': {
    needs: 'admin',
    request: () => ({ query: '{ f: webhooks(first: 5) { edges { node { id url status } } } }' }),
  },
  'Query.webhookDeliveries': {
    needs: 'admin',
    request: () => ({
      query: 'query($id: String!) { f: webhookDeliveries(webhookId: $id) { edges { node { id status } } } }',
      variables: { id: webhookId },
    }),
  },
  'Mutation.createWebhook': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($url: String!) { f: createWebhook(input: { url: $url }) { __typename ... on WebhookWithSecret { secret } } }',
      variables: { url: WEBHOOK_URL },
    }),
  },
  ...Object.fromEntries(
    ['pauseWebhook', 'resumeWebhook', 'rotateWebhookSecret'].map((field) => [
      `Mutation.${field}`,
      {
        needs: 'admin' as const,
        request: () => ({
          query: `mutation($id: String!) { f: ${field}(input: { id: $id }) { __typename } }`,
          variables: { id: webhookId },
        }),
      },
    ]),
  ),
  'Mutation.deleteWebhook': {
    needs: 'admin',
    request: () => ({
      query: 'mutation($id: String!) { f: deleteWebhook(input: { id: $id }) { __typename ... on Webhook { id } } }',
      variables: { id: webhookIds[deletedWebhooks++] },
    }),
  },
  'Mutation.replayWebhook': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($id: String!) { f: replayWebhook(input: { webhookId: $id, fromPosition: 1 }) { __typename ... on Webhook { position } } }',
      variables: { id: webhookId },
    }),
  },
  'Mutation.revokeApiKey': {
    needs: 'admin',
    request: () => ({
      query: 'mutation { f: revokeApiKey(input: { name: "spare" }) { __typename ... on ApiKey { revokedAt } } }',
    }),
  },
  'Query.consumers': { needs: 'read', request: () => ({ query: '{ f: consumers { name cursor lag } }' }) },
  // Pulling takes a lease: a read key may, as it may follow ledgerEvents.
  'Query.consumerEvents': {
    needs: 'read',
    request: () => ({
      query:
        '{ f: consumerEvents(name: "matrix-0", first: 1) { __typename ... on ConsumerBatch { deliveries events { position } } } }',
    }),
  },
  'Mutation.ackConsumer': {
    needs: 'read',
    request: () => ({
      query:
        'mutation { f: ackConsumer(input: { name: "matrix-0", position: 0 }) { __typename ... on Consumer { cursor } } }',
    }),
  },
  'Mutation.createConsumer': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($name: String!) { f: createConsumer(input: { name: $name, filter: { types: ["AccountOpened"] } }) { __typename ... on Consumer { name } } }',
      variables: { name: `c-${next()}` },
    }),
  },
  'Mutation.deleteConsumer': {
    needs: 'admin',
    request: () => ({
      query:
        'mutation($name: String!) { f: deleteConsumer(input: { name: $name }) { __typename ... on Consumer { name } } }',
      variables: { name: `matrix-${++deletedConsumers}` },
    }),
  },
  // Fields below the root with a scope of their own.
  'LedgerEvent.metadata': {
    needs: 'audit',
    request: () => ({
      query:
        '{ f: account(code: "assets:cash") { events(first: 1) { edges { node { metadata { actor clientAddress } } } } } }',
    }),
    path: ['f', 'events', 'edges', '0', 'node', 'metadata'],
  },
  // Key names are audit data: who created what a reader may list (issue 23).
  'BalanceMonitor.createdBy': {
    needs: 'audit',
    request: () => ({ query: '{ f: balanceMonitors { createdBy } }' }),
    path: ['f', '0', 'createdBy'],
  },
  'Consumer.createdBy': {
    needs: 'audit',
    request: () => ({ query: '{ f: consumers { createdBy } }' }),
    path: ['f', '0', 'createdBy'],
  },
  'MetadataIndex.createdBy': {
    needs: 'audit',
    request: () => ({ query: '{ f: metadataIndexes { createdBy } }' }),
    path: ['f', '0', 'createdBy'],
  },
};

beforeAll(async () => {
  server = await startTestServer();
  for (const role of ROLES) keys[role] = await server.createKey(role, { name: `matrix-${role}` });
  await server.createKey('reader', { name: 'spare' });
  const api = ledgerApi(server);
  // openAccounts checks that each answer is an Account.
  await api.openAccounts([
    { code: 'assets:cash', type: 'ASSET' },
    { code: 'equity:capital', type: 'EQUITY' },
    { code: 'assets:empty', type: 'ASSET' },
    { code: 'assets:frozen', type: 'ASSET' },
    { code: 'assets:still', type: 'ASSET' },
  ]);
  await api.mutate('closePeriod', { through: '2000-01-02T00:00:00Z' });
  // A price for Query.price to answer (null would not show the read was allowed).
  expect((await api.mutate('setPrice', { base: 'EUR', quote: 'USD', rate: '1.1' })).__typename).toBe('Price');
  const created = async (code: string) =>
    expect((await api.mutate('createCategory', { code, name: code })).__typename).toBe('Category');
  await created('matrix');
  for (let i = 0; i <= ROLES.length + 1; i++) {
    childCategories.push(`matrix-child-${i}`);
    await created(`matrix-child-${i}`);
  }
  await api.mutate('addToCategory', { category: 'matrix', account: 'assets:cash' });
  const index = await server.gql(
    'mutation { createMetadataIndex(input: { target: TRANSACTION, path: "matrix" }) { __typename } }',
  );
  expect(index.body.data?.createMetadataIndex?.__typename, JSON.stringify(index.body)).toBe('MetadataIndex');
  for (let i = 0; i <= ROLES.length + 1; i++)
    expect((await api.mutate('createConsumer', { name: `matrix-${i}` })).__typename).toBe('Consumer');
  // Before the first posting to assets:cash: it flips them, so balanceAlerts has an alert to show.
  for (let i = 0; i <= ROLES.length + 1; i++) {
    const created = await api.mutate(
      'createBalanceMonitor',
      { account: 'assets:cash', metric: 'AVAILABLE', comparison: 'GT', amount: '0' },
      '... on BalanceMonitor { id }',
    );
    monitorIds.push(created.id);
  }
  const posted = await api.transfer(
    { idempotencyKey: 'seed', debitAccount: 'assets:cash', creditAccount: 'equity:capital', amount: '5.00' },
    '... on Transaction { id }',
  );
  transactionId = posted.id;
  const hold = async (key: string) =>
    (
      await api.hold(
        {
          idempotencyKey: key,
          entries: [
            { account: 'assets:cash', direction: 'DEBIT', amount: '1.00' },
            { account: 'equity:capital', direction: 'CREDIT', amount: '1.00' },
          ],
        },
        '... on Transaction { id }',
      )
    ).id;
  holdId = await hold('hold-commit');
  voidId = await hold('hold-void');
  adjustId = await hold('hold-adjust');
  const webhook = async () => {
    const created = await api.mutate(
      'createWebhook',
      { url: WEBHOOK_URL },
      '... on WebhookWithSecret { webhook { id } }',
    );
    return created.webhook.id as string;
  };
  webhookId = await webhook();
  for (let i = 0; i <= ROLES.length + 1; i++) webhookIds.push(await webhook());
});
afterAll(() => server.close());

/** A query or mutation as JSON; a subscription as server-sent events, answered by its first event. */
async function ask(row: Row, key: string | null, query: string, variables?: Record<string, unknown>) {
  if (!row.stream) return server.gqlAs(key, query, variables);
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  if (!response.headers.get('content-type')?.startsWith('text/event-stream'))
    return { status: response.status, headers: response.headers, body: await response.json() };
  const reader = response.body!.getReader();
  let text = '';
  while (!/^data: .*$/m.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  return { status: response.status, headers: response.headers, body: JSON.parse(/^data: (.*)$/m.exec(text)![1]!) };
}

describe('the role matrix', () => {
  it('has a row for every root field and every field that carries its own scope', () => {
    const scoped: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !('getFields' in type) || !('isTypeOf' in type)) continue;
      for (const field of Object.values(type.getFields())) {
        const options = (field.extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions;
        const root = type.name === 'Query' || type.name === 'Mutation' || type.name === 'Subscription';
        // A root field without a scope would be open to every key: refuse that outright.
        if (root) expect(options?.authScopes, `${type.name}.${field.name} has authScopes`).toBeDefined();
        if (root || options?.authScopes) scoped.push(`${type.name}.${field.name}`);
      }
    }
    expect(scoped.sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it('gives each role the permissions docs/security.md lists', () => {
    expect(ROLE_PERMISSIONS).toEqual({
      reader: ['read'],
      writer: ['read', 'post'],
      auditor: ['read', 'audit'],
      admin: ['read', 'post', 'audit', 'admin'],
    });
  });

  const cases = Object.entries(MATRIX).flatMap(([field, row]) =>
    [...ROLES, null].map((role) => [field, role, row] as const),
  );

  it.each(cases)('%s as %s', async (field, role, row) => {
    const { query, variables } = row.request();
    if (role === null) {
      const before = await logState(server.database.db);
      const res = await ask(row, null, query, variables);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(await logState(server.database.db)).toEqual(before);
      return;
    }
    const path = row.path ?? ['f'];
    const allowed = ROLE_PERMISSIONS[role].includes(row.needs);
    const before = await logState(server.database.db);
    const res = await ask(row, keys[role], query, variables);
    expect(res.status).toBe(200);
    const value = path.reduce<any>((node, key) => node?.[key], res.body.data);
    if (allowed) {
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      expect(value).toBeTruthy();
      expect(value.__typename ?? 'ok').not.toMatch(/Error$/);
    } else {
      expect(value ?? null).toBeNull();
      // One error per refused value: a list of objects gives one for each item.
      expect(res.body.errors?.length).toBeGreaterThan(0);
      for (const error of res.body.errors!) {
        expect(error.extensions?.code).toBe('FORBIDDEN');
        expect(error.message).toContain(`"matrix-${role}" (role ${role}) may not use ${field}`);
      }
      expect(await logState(server.database.db)).toEqual(before);
    }
  });
});

describe('object scopes', () => {
  // Every role can read, so the type-level scopes on Account and Transaction are shown here by
  // running the schema itself with a principal that holds no permission at all.
  it('guard every way to an account or a transaction, node(id:) included', async () => {
    const context = {
      ...(await contextFor(server)),
      principal: { name: 'nobody', role: 'reader' as const, permissions: new Set<Permission>() },
    };
    for (const query of [
      '{ node(id: "Account:assets:cash") { id } }',
      'query($id: ID!) { node(id: $id) { id } }',
      'query($id: ID!) { transaction(id: $id) { id } }',
    ]) {
      const result = await execute({
        schema,
        document: parse(query),
        contextValue: context,
        variableValues: { id: transactionId },
      });
      expect(result.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
    }
  });
});

async function contextFor(s: TestServer) {
  const { default: DataLoader } = await import('dataloader');
  const { getAccounts, getTransaction } = await import('../../src/ledger/queries.js');
  const db = s.database.db;
  return {
    ledger: s.ledger,
    command: { actor: 'nobody', requestId: 'r' },
    accounts: new DataLoader(async (codes: readonly string[]) => {
      const found = await getAccounts(db, codes);
      return codes.map((c) => found.get(c) ?? null);
    }),
    transactions: new DataLoader(async (ids: readonly string[]) =>
      Promise.all(ids.map((id) => getTransaction(db, id))),
    ),
    now: new Date().toISOString(),
  };
}
