/**
 * (c) beside a peer: pgledger (bench/pgledger/) on the same PostgreSQL cluster, a fresh database,
 * the same accounts and transfers as Inkwell's HTTP `transfer` figure (bench/workload.ts), from
 * as many concurrent connections, each calling `pgledger_create_transfer` directly — pgledger has
 * no HTTP layer, so it pays no parsing, authentication or GraphQL: the comparison favours it.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { withFreshPostgres } from './databases.js';
import { transferPair } from './workload.js';

const SQL = ['ulid-to-uuid.sql', 'uuid-to-ulid.sql', 'pgledger.sql'].map((file) =>
  readFileSync(new URL(`./pgledger/${file}`, import.meta.url), 'utf8'),
);

/** pgledger's transfers per second: `connections` clients sending transfers back to back for `seconds`. */
export async function pgledgerTransfers(
  serverUrl: string,
  accounts: number,
  connections: number,
  seconds: number,
): Promise<number> {
  return withFreshPostgres(serverUrl, 'pgledger', async (url) => {
    const pool = new pg.Pool({ connectionString: url, max: connections });
    try {
      const setup = await pool.connect();
      try {
        await setup.query('BEGIN');
        for (const sql of SQL) await setup.query(sql);
        await setup.query('COMMIT');
        const codes = Array.from({ length: accounts }, (_, i) => `assets:a${i}`);
        await setup.query(`SELECT pgledger_create_account(name, 'USD') FROM unnest($1::text[]) AS name`, [codes]);
      } finally {
        setup.release();
      }
      const ids = new Map(
        (await pool.query('SELECT name, id FROM pgledger_accounts')).rows.map((row) => [
          row.name as string,
          row.id as string,
        ]),
      );
      let next = 0;
      let done = 0;
      const until = Date.now() + seconds * 1000;
      const start = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (Date.now() < until) {
            const { debitAccount, creditAccount } = transferPair(next++, accounts);
            // pgledger moves money from the first account to the second: the credited one to the debited one.
            await pool.query('SELECT id FROM pgledger_create_transfer($1, $2, 1.00)', [
              ids.get(creditAccount),
              ids.get(debitAccount),
            ]);
            done += 1;
          }
        }),
      );
      return done / (Number(process.hrtime.bigint() - start) / 1e9);
    } finally {
      await pool.end();
    }
  });
}
