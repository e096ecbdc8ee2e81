/** `inkwell serve`: migrate, then serve GraphQL until SIGTERM or SIGINT. */
import { bootstrapAdminKey } from '../auth/api-keys.js';
import type { Config } from '../config.js';
import { LedgerError } from '../domain/errors.js';
import { Ledger } from '../ledger/ledger.js';
import { stderrLogger } from '../log.js';
import type { Database } from '../store/db.js';
import { migrated, withDatabase } from './database.js';

export function serve(config: Config): Promise<number> {
  return withDatabase(migrated(config), async (database) => {
    await announceAdminKey(database, config);
    const ledgerOptions = {
      maxFutureSkewMs: config.maxFutureSkewMs,
      policy: { snapshotEvery: config.snapshotEvery, epochEvery: config.epochEvery },
      groupCommit: config.groupCommit,
      conversionAccount: config.conversionAccount,
    };
    const ledger = new Ledger(database, ledgerOptions);
    // Loaded here, not at the top: the server and the schema weigh ~100 MB that exports and checks do without.
    const { startServer } = await import('../server.js');
    // Every other ledger (issue 24) is made with the same settings.
    const running = await startServer({ ...config, ledger, ledgerOptions });
    stderrLogger.log(
      'info',
      `Inkwell serves ${running.url}${config.graphiql ? ' (GraphiQL: open it in a browser)' : ''}`,
      {
        listen: `${config.host}:${(running.server.address() as { port: number }).port}`,
        database: database.location,
        ...(database.replica ? { readReplica: database.replica.location } : {}),
      },
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        stderrLogger.log('info', `${signal}: finishing in-flight requests, then closing the database`);
        resolve();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    await running.close();
    return 0;
  }).then((code) => {
    stderrLogger.log('info', 'stopped');
    return code;
  });
}

/** At `serve`: a fresh database gets its first admin key, printed here once (stdout, not the log). */
async function announceAdminKey(database: Database, config: Config): Promise<void> {
  const result = await bootstrapAdminKey(database, {
    secret: config.adminKey,
    name: config.adminKeyName,
    now: new Date().toISOString(),
  }).catch((error: unknown) => {
    if (error instanceof LedgerError)
      throw new Error(`INKWELL_ADMIN_KEY: ${error.message} (set INKWELL_ADMIN_KEY_NAME to name it differently)`);
    throw error;
  });
  switch (result.kind) {
    case 'created':
      console.log(
        `\nThis database had no API key, so an admin key named "${result.name}" was created. It is shown this once:\n\n` +
          `    ${result.secret}\n\nSend it as "Authorization: Bearer <key>". Make keys with fewer rights with \`node bin/inkwell.js keys create\`.\n`,
      );
      stderrLogger.log(
        'warn',
        `created the first admin key "${result.name}" (its secret went to stdout, not to this log)`,
      );
      return;
    case 'seeded':
      stderrLogger.log('info', `INKWELL_ADMIN_KEY stored as admin key "${result.name}"`);
      return;
    case 'revoked':
      stderrLogger.log('warn', `INKWELL_ADMIN_KEY is the revoked key "${result.name}": it stays revoked`);
      return;
    default:
  }
}
