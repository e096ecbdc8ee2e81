/** The `inkwell` command: serve, migrate, keys, rebuild, verify, schema. */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { bootstrapAdminKey, createApiKey, listApiKeys, revokeApiKey } from '../auth/api-keys.js';
import { configFromEnv, type Config } from '../config.js';
import { LedgerError } from '../domain/errors.js';
import { InvalidInstant, parseInstant } from '../domain/time.js';
import { Ledger } from '../ledger/ledger.js';
import { stderrLogger } from '../log.js';
import { rebuildReadModels } from '../projections/rebuild.js';
import { rebuildSnapshots } from '../projections/snapshot-rebuild.js';
import { verifyEvents } from '../reports/event-verification.js';
import { verifyIntegrity } from '../reports/integrity.js';
import { openDatabase, type Database } from '../store/db.js';
import { EXPORT_USAGE, exportCommand } from './export.js';
import { migrateToLatest } from '../store/migrate.js';
import { defaultSubscribers } from '../subscribers/defaults.js';

const USAGE = `usage: inkwell <command>

  serve              migrate, then serve GraphQL at /graphql and /health (PORT, default 4000)
  migrate            apply pending migrations and exit
  keys create --name NAME --role reader|writer|auditor|admin [--expires-at RFC3339]
                     create an API key and print its secret (shown once, only a hash is kept)
  keys list          list the keys (never their secrets)
  keys revoke NAME   revoke a key: refused from the next request on
${EXPORT_USAGE}
  rebuild [--check]  recompute the read models from the event log, print every difference,
                     and replace them (--check: compare only; exit 1 when they differ)
  verify             check the hash chain of the whole log and decode every event; exit 1
                     naming the first broken position (use it on a restored backup)
  snapshots rebuild  drop every snapshot and take them again from the log
  subscribers rebuild NAME
                     rebuild a checkpointed subscriber (daily-balances) blue-green, writes going on
  events verify      decode and validate every stored event (every schema version), print
                     counts per type and version; exit 1 naming the first bad event
  schema             print the GraphQL SDL

The database is the SQLite file INKWELL_DB (default ./data/inkwell.db), or PostgreSQL
when DATABASE_URL=postgres://… is set. A fresh database gets an admin key at its first
\`serve\`, printed once; INKWELL_ADMIN_KEY seeds one instead (docs/security.md).`;

/**
 * For checks of an existing database (a restored backup): never create, migrate or change it,
 * and refuse what is not an Inkwell database rather than report an empty one as intact.
 */
async function openExisting(config: ReturnType<typeof configFromEnv>, options: { readonly: boolean }) {
  if (!config.databaseUrl && !existsSync(config.sqliteFile))
    throw new Error(`no database file at ${config.sqliteFile}`);
  const database = openDatabase(config, options);
  try {
    await database.db.selectFrom('events').select('position').limit(1).execute();
  } catch {
    await database.close();
    throw new Error(`${database.location} is not an Inkwell database (no events table): check the path or URL`);
  }
  return database;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = configFromEnv();
  switch (command) {
    case 'serve': {
      const database = openDatabase(config);
      await migrateToLatest(database);
      await announceAdminKey(database, config);
      const ledger = new Ledger(database, {
        maxFutureSkewMs: config.maxFutureSkewMs,
        policy: { snapshotEvery: config.snapshotEvery, epochEvery: config.epochEvery },
        groupCommit: config.groupCommit,
      });
      // Loaded here, not at the top: the server and the schema weigh ~100 MB that exports and checks do without.
      const { startServer } = await import('../server.js');
      const running = await startServer({ ...config, ledger });
      stderrLogger.log(
        'info',
        `Inkwell serves ${running.url}${config.graphiql ? ' (GraphiQL: open it in a browser)' : ''}`,
        {
          listen: `${config.host}:${(running.server.address() as { port: number }).port}`,
          database: database.location,
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
      await database.close();
      stderrLogger.log('info', 'stopped');
      return 0;
    }
    case 'migrate': {
      const database = openDatabase(config);
      const result = await migrateToLatest(database);
      const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date');
      await database.close();
      return 0;
    }
    case 'keys':
      return keys(rest, config);
    case 'report':
    case 'export': {
      const database = await openExisting(config, { readonly: true });
      try {
        return await exportCommand(command, rest, database);
      } finally {
        await database.close();
      }
    }
    case 'rebuild': {
      const { values } = parseArgs({ args: rest, options: { check: { type: 'boolean', default: false } } });
      // --check compares inside a transaction it rolls back: it needs an existing, migrated database.
      const database = values.check ? await openExisting(config, { readonly: false }) : openDatabase(config);
      if (!values.check) await migrateToLatest(database);
      const report = await rebuildReadModels(database, { apply: !values.check, epochEvery: config.epochEvery });
      for (const difference of report.differences) console.log(difference);
      console.log(
        `${report.eventsReplayed} events replayed, ${report.differences.length} differences${report.applied ? ', read models replaced' : ''}`,
      );
      await database.close();
      return values.check && report.differences.length > 0 ? 1 : 0;
    }
    case 'events': {
      if (rest[0] !== 'verify') {
        console.error(`unknown events command "${rest[0] ?? ''}"\n\n${USAGE}`);
        return 2;
      }
      const database = await openExisting(config, { readonly: true });
      const result = await verifyEvents(database.db);
      for (const [key, count] of Object.entries(result.counts).sort()) console.log(`${key.padEnd(28)} ${count}`);
      if (result.firstBad) {
        const bad = result.firstBad;
        console.log(`FAILED at position ${bad.position} (${bad.type} v${bad.schemaVersion}): ${bad.reason}`);
      }
      console.log(`${result.eventsChecked} events decoded${result.ok ? ', all valid' : ' before the first bad one'}`);
      await database.close();
      return result.ok ? 0 : 1;
    }
    case 'verify': {
      const database = await openExisting(config, { readonly: true });
      const chain = await verifyIntegrity(database.db);
      const events = chain.ok ? await verifyEvents(database.db) : null;
      await database.close();
      if (!chain.ok) {
        console.log(
          `BROKEN at position ${chain.firstBrokenPosition}: expected hash ${chain.expectedHash}, stored ${chain.actualHash} (${chain.eventsChecked} events before it are intact)`,
        );
        return 1;
      }
      console.log(`hash chain intact: ${chain.eventsChecked} events, head ${chain.headHash ?? '(empty log)'}`);
      if (chain.eventsChecked === 0)
        console.log('WARNING: the log is empty; if this is a restored backup, the restore did not bring its events');
      if (events && !events.ok) {
        console.log(`FAILED at position ${events.firstBad!.position}: ${events.firstBad!.reason}`);
        return 1;
      }
      console.log('every event decodes');
      return 0;
    }
    case 'snapshots': {
      if (rest[0] !== 'rebuild') {
        console.error(`unknown snapshots command "${rest[0] ?? ''}"\n\n${USAGE}`);
        return 2;
      }
      const database = openDatabase(config);
      await migrateToLatest(database);
      const result = await rebuildSnapshots(database, config.snapshotEvery);
      console.log(
        `${result.eventsReplayed} events replayed, ${result.snapshots} snapshots taken (every ${config.snapshotEvery} events)`,
      );
      await database.close();
      return 0;
    }
    case 'subscribers': {
      // Builds the next generation beside the live one (writes go on), then switches.
      const name = rest[1];
      if (rest[0] !== 'rebuild' || !name) {
        console.error(`usage: inkwell subscribers rebuild daily-balances\n\n${USAGE}`);
        return 2;
      }
      const database = openDatabase(config);
      await migrateToLatest(database);
      const runner = defaultSubscribers(new Ledger(database), stderrLogger);
      try {
        console.log(`${name}: generation ${await runner.rebuild(name)} is live`);
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'schema':
      process.stdout.write((await import('../graphql/schema.js')).printedSchema());
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
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

async function keys(args: string[], config: Config): Promise<number> {
  const [sub, ...rest] = args;
  const database = openDatabase(config);
  try {
    await migrateToLatest(database);
    const now = new Date().toISOString();
    if (sub === 'create') {
      const { values } = parseArgs({
        args: rest,
        options: { name: { type: 'string' }, role: { type: 'string' }, 'expires-at': { type: 'string' } },
      });
      if (!values.name || !values.role) {
        console.error('keys create needs --name NAME and --role reader|writer|auditor|admin');
        return 2;
      }
      const expiresAt = values['expires-at'] === undefined ? null : parseInstant(values['expires-at']);
      const { key, secret } = await createApiKey(database, {
        name: values.name,
        role: values.role,
        expiresAt,
        createdBy: 'cli',
        now,
      });
      console.error(
        `created ${key.role} key "${key.name}"${key.expiresAt ? `, expiring ${key.expiresAt}` : ''}; its secret, shown once:`,
      );
      console.log(secret);
      return 0;
    }
    if (sub === 'list') {
      let afterName: string | null = null;
      for (;;) {
        const page = await listApiKeys(database.db, { afterName, limit: 500 });
        for (const key of page) {
          const state = key.revokedAt
            ? `revoked ${key.revokedAt} by ${key.revokedBy}`
            : key.expiresAt && key.expiresAt <= now
              ? `expired ${key.expiresAt}`
              : 'active';
          console.log(
            [
              key.name,
              key.role,
              `${key.prefix}…`,
              `created ${key.createdAt} by ${key.createdBy}`,
              key.expiresAt && !key.revokedAt ? `expires ${key.expiresAt}` : '',
              state,
            ]
              .filter(Boolean)
              .join('\t'),
          );
        }
        if (page.length < 500) return 0;
        afterName = page[page.length - 1]!.name;
      }
    }
    if (sub === 'revoke' && rest.length === 1) {
      const key = await revokeApiKey(database, rest[0]!, 'cli', now);
      console.log(`revoked "${key.name}" at ${key.revokedAt}`);
      return 0;
    }
    console.error(`usage: inkwell keys create --name NAME --role ROLE [--expires-at T] | keys list | keys revoke NAME`);
    return 2;
  } catch (error) {
    if (error instanceof LedgerError || error instanceof InvalidInstant) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
