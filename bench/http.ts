/**
 * HTTP throughput over a real socket: the `transfer` mutation from 64 concurrent clients
 * (autocannon, in a process of its own), beside a trivial `{ __typename }` query on the same
 * server in the same run.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createSchema, createYoga } from 'graphql-yoga';
import { createApiKey } from '../src/auth/api-keys.js';
import type { Ledger } from '../src/ledger/ledger.js';
import { silentLogger } from '../src/log.js';
import { startServer } from '../src/server.js';
import { transferPair } from './workload.js';

type Report = (name: string, value: number, unit: string, extra?: Record<string, unknown>) => void;

const CLIENT = fileURLToPath(new URL('./http-client.ts', import.meta.url));

interface Load {
  requests: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** Runs the load generator in a process of its own (http-client.ts) against the server. */
function load(env: Record<string, string>): Promise<Load> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLIENT],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Load);
      },
    );
  });
}

/** A graphql-yoga server with nothing of Inkwell in it, for `run`'s duration. */
async function withBareYoga<T>(run: (url: string) => Promise<T>): Promise<T> {
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } }),
    logging: false,
    graphiql: false,
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

export async function measureHttp(
  label: string,
  ledger: Ledger,
  accounts: number,
  seconds: number,
  report: Report,
): Promise<void> {
  // A writer key on every request, as a client would send it; no rate limit, which is per key.
  const { secret } = await createApiKey(ledger.database, {
    name: `bench-${label}-${Date.now()}`,
    role: 'writer',
    createdBy: 'bench',
    now: new Date().toISOString(),
  });
  const server = await startServer({
    ledger,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    rateLimit: { perSecond: 0, burst: 1 },
  });
  const count = async () =>
    Number(
      (
        await ledger.database.db
          .selectFrom('transactions')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  try {
    const before = await count();
    const common = {
      HTTP_URL: server.url,
      HTTP_KEY: secret,
      HTTP_SECONDS: String(seconds),
      HTTP_ACCOUNTS: String(accounts),
      HTTP_LABEL: `${label}-${Date.now()}`,
    };
    const trivial = await load({ ...common, HTTP_MODE: 'trivial' });
    const transfer = await load({ ...common, HTTP_MODE: 'transfer' });
    // The stack's own ceiling: graphql-yoga alone, one field, no plugin, the same load.
    const bare = await withBareYoga((url) => load({ ...common, HTTP_URL: url, HTTP_MODE: 'trivial' }));
    // Every answered transfer must have posted: the count is checked, not assumed.
    const posted = (await count()) - before;
    const conditions = { connections: 64, seconds, accounts, client: 'autocannon in a process of its own' };
    report(`http.trivial_query.${label}`, trivial.requests, 'req/s', {
      p99Ms: trivial.p99,
      non2xx: trivial.non2xx,
      ...conditions,
    });
    report(`http.transfer.${label}`, transfer.requests, 'req/s', {
      p99Ms: transfer.p99,
      non2xx: transfer.non2xx,
      errors: transfer.errors,
      posted,
      ...conditions,
    });
    report(`http.transfer_to_trivial_ratio.${label}`, transfer.requests / trivial.requests, 'ratio');
    report(`http.bare_yoga_trivial_query.${label}`, bare.requests, 'req/s', {
      p99Ms: bare.p99,
      ...conditions,
      server: 'createYoga, a one-field schema, no plugins',
    });
  } finally {
    await server.close();
  }
}

/**
 * (d) postTransactions over HTTP: 100 and 1,000 transfers per request, 4 clients, durable.
 * Transfers/s counted from what was posted.
 */
export async function measureBatches(
  label: string,
  ledger: Ledger,
  accounts: number,
  quick: boolean,
  report: Report,
): Promise<void> {
  const { secret } = await createApiKey(ledger.database, {
    name: `bench-batch-${label}-${Date.now()}`,
    role: 'writer',
    createdBy: 'bench',
    now: new Date().toISOString(),
  });
  const server = await startServer({
    ledger,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    rateLimit: { perSecond: 0, burst: 1 },
  });
  const mutation = 'mutation($input: PostTransactionsInput!) { postTransactions(input: $input) { posted } }';
  let serial = 0;
  try {
    for (const size of [100, 1000]) {
      const requests = quick ? 2 : size === 100 ? 40 : 8;
      let posted = 0;
      const start = process.hrtime.bigint();
      const client = async (c: number) => {
        for (let r = c; r < requests; r += 4) {
          const transactions = Array.from({ length: size }, () => {
            const i = serial++;
            const { debitAccount, creditAccount } = transferPair(i, accounts);
            return {
              idempotencyKey: `${label}-batch-${i}`,
              entries: [
                { account: debitAccount, direction: 'DEBIT', amount: '1.00' },
                { account: creditAccount, direction: 'CREDIT', amount: '1.00' },
              ],
            };
          });
          const response = await fetch(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
            body: JSON.stringify({ query: mutation, variables: { input: { transactions } } }),
          });
          const body = (await response.json()) as { data?: { postTransactions: { posted: number } }; errors?: unknown };
          if (!body.data) throw new Error(`batch refused: ${JSON.stringify(body.errors)}`);
          posted += body.data.postTransactions.posted;
        }
      };
      await Promise.all([0, 1, 2, 3].map(client));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      report(`http.batch_${size}.${label}`, posted / seconds, 'transfers/s', {
        posted,
        requests,
        clients: 4,
        target: size === 1000 ? '>= 20000' : undefined,
      });
    }
  } finally {
    await server.close();
  }
}
