/**
 * Typed helpers for the e2e suites that speak GraphQL over HTTP: one document per operation,
 * every value passed as a variable (never pasted into the document). Each helper answers the
 * field's value and throws, with the whole response, when the request failed outright (GraphQL
 * errors, or no data): the suites assert on the typed results, not on transport accidents.
 *
 * Suites that test the documents themselves (bad input, security, cost) keep their literal ones.
 */
import type {
  AdjustPendingInput,
  CommitPendingInput,
  OpenAccountInput,
  PostTransactionInput,
  ReverseTransactionInput,
  TransferInput,
} from '../../src/ledger/ledger.js';
import { gqlAt } from './process.js';
import type { GraphQLResponse, TestServer } from './server.js';

export type GraphQLBody = GraphQLResponse['body'];
/** Sends one document with its variables and answers the parsed body. */
export type Send = (query: string, variables?: Record<string, unknown>) => Promise<GraphQLBody>;
/** A test server (its admin key), or any other way to send a request (another key, a process). */
export type Target = Pick<TestServer, 'gql'> | { send: Send };

/** The selection most suites need: which result it was, and a transaction's id. */
export const RESULT = '__typename ... on Transaction { id } ... on Error { code message }';

/** `mutation($input: XInput!) { x(input: $input) { … } }` for the mutation field `x`. */
export function mutationDocument(field: string, selection = '__typename'): string {
  return `mutation($input: ${inputType(field)}!) { ${field}(input: $input) { ${selection} } }`;
}

const INPUT_TYPES: Record<string, string> = {
  pauseBalanceMonitor: 'BalanceMonitorIdInput',
  resumeBalanceMonitor: 'BalanceMonitorIdInput',
  deleteBalanceMonitor: 'BalanceMonitorIdInput',
};
const inputType = (field: string) => INPUT_TYPES[field] ?? `${field[0]!.toUpperCase()}${field.slice(1)}Input`;

/** An account to open: name defaults to the code, currency to USD. */
export type NewAccount = Omit<OpenAccountInput, 'name' | 'currency'> & { name?: string; currency?: string };

export interface BalanceArgs {
  asOf?: string;
  knownAt?: string;
}

export interface AuditTrailArgs {
  account?: string;
  transaction?: string;
  type?: string;
  actor?: string;
  first?: number;
}

/** The helpers for one target; a function is read at each call (for a `let server` set in beforeAll). */
export function ledgerApi(target: Target | (() => Target)) {
  const send: Send = (query, variables) => {
    const t = typeof target === 'function' ? target() : target;
    return 'send' in t ? t.send(query, variables) : t.gql(query, variables).then((r) => r.body);
  };

  /** The data of a document, or a throw naming the errors. */
  async function request<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const body = await send(query, variables);
    if (body.errors?.length || !body.data) throw new Error(`GraphQL request failed: ${JSON.stringify(body)}`);
    return body.data as T;
  }

  /** Runs the mutation `field` with `input` and answers its result. */
  async function mutate<T = any>(field: string, input: unknown, selection = '__typename'): Promise<T> {
    return (await request(mutationDocument(field, selection), { input }))[field];
  }

  const api = {
    request,
    mutate,
    openAccount: <T = any>(account: NewAccount, selection?: string) =>
      mutate<T>('openAccount', { name: account.code, currency: 'USD', ...account }, selection),
    /** Opens each account (with `common` fields) and throws unless each is an Account. */
    async openAccounts(accounts: NewAccount[], common: Partial<NewAccount> = {}) {
      for (const account of accounts) {
        const opened = await api.openAccount({ ...common, ...account });
        if (opened.__typename !== 'Account')
          throw new Error(`opening ${account.code} answered ${JSON.stringify(opened)}`);
      }
    },
    transfer: <T = any>(input: TransferInput, selection?: string) => mutate<T>('transfer', input, selection),
    postTransaction: <T = any>(input: PostTransactionInput, selection?: string) =>
      mutate<T>('postTransaction', input, selection),
    /** A pending transaction (postTransaction with pending: true unless the input says otherwise). */
    hold: <T = any>(input: Omit<PostTransactionInput, 'pending'> & { pending?: boolean }, selection?: string) =>
      mutate<T>('postTransaction', { pending: true, ...input }, selection),
    commitPending: <T = any>(input: CommitPendingInput, selection?: string) =>
      mutate<T>('commitPending', input, selection),
    adjustPending: <T = any>(input: AdjustPendingInput, selection?: string) =>
      mutate<T>('adjustPending', input, selection),
    voidPending: <T = any>(transactionId: string, selection?: string) =>
      mutate<T>('voidPending', { transactionId }, selection),
    reverseTransaction: <T = any>(input: ReverseTransactionInput, selection?: string) =>
      mutate<T>('reverseTransaction', input, selection),
    /** An account's balance (`selection` inside `balance`), effective at `asOf` as known at `knownAt`. */
    async balance<T = any>(
      code: string,
      args: BalanceArgs = {},
      selection = 'posted { amount } pending { amount } available { amount }',
    ): Promise<T> {
      const data = await request(
        `query($code: String!, $asOf: DateTime, $knownAt: DateTime) { account(code: $code) { balance(asOf: $asOf, knownAt: $knownAt) { ${selection} } } }`,
        { code, ...args },
      );
      return data.account.balance;
    },
    /** A transaction by id (null when there is none). */
    async transaction<T = any>(id: string, selection = 'id status'): Promise<T> {
      return (await request(`query($id: ID!) { transaction(id: $id) { ${selection} } }`, { id })).transaction;
    },
    /** The nodes of the audit trail's first page (`selection` inside `node`). */
    async auditTrail<T = any>(args: AuditTrailArgs, selection = 'type'): Promise<T[]> {
      const data = await request(
        `query($account: String, $transaction: ID, $type: String, $actor: String, $first: Int) {
          auditTrail(account: $account, transaction: $transaction, type: $type, actor: $actor, first: $first) { edges { node { ${selection} } } } }`,
        { ...args },
      );
      return data.auditTrail.edges.map((edge: { node: T }) => edge.node);
    },
  };
  return api;
}

export type LedgerApi = ReturnType<typeof ledgerApi>;

/** The helpers for a test server with another key than its admin key (or none: null). */
export const apiAs = (server: Pick<TestServer, 'gqlAs'>, key: string | null): LedgerApi =>
  ledgerApi({ send: (query, variables) => server.gqlAs(key, query, variables).then((r) => r.body) });

/** The helpers for a running `inkwell` process (test/support/process.ts), with its admin key or `key`. */
export const processApi = (url: string, key?: string): LedgerApi =>
  ledgerApi({ send: (query, variables) => gqlAt(url, query, variables, key) });
