/** The `inkwell` command: serve, migrate, rebuild, schema. */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configFromEnv } from './config.js';
import { printedSchema } from './graphql/schema.js';
import { Ledger } from './ledger/ledger.js';
import { stderrLogger } from './log.js';
import { rebuildReadModels } from './projections/rebuild.js';
import { rebuildSnapshots } from './projections/snapshot-rebuild.js';
import { verifyEvents } from './reports/event-verification.js';
import { verifyIntegrity } from './reports/integrity.js';
import { openDatabase } from './store/db.js';
import { migrateToLatest } from './store/migrate.js';
import { startServer } from './server.js';

const USAGE = `usage: inkwell <command>

  serve              migrate, then serve GraphQL at /graphql and /health (PORT, default 4000)
  migrate            apply pending migrations and exit
  rebuild [--check]  recompute the read models from the event log, print every difference,
                     and replace them (--check: compare only; exit 1 when they differ)
  verify             check the hash chain of the whole log and decode every event; exit 1
                     naming the first broken position (use it on a restored backup)
  snapshots rebuild  drop every snapshot and take them again from the log
  events verify      decode and validate every stored event (every schema version), print
                     counts per type and version; exit 1 naming the first bad event
  schema             print the GraphQL SDL

The database is the SQLite file INKWELL_DB (default ./data/inkwell.db), or PostgreSQL
when DATABASE_URL=postgres://… is set.`;

/**
 * For checks of an existing database (a restored backup): never create, migrate or change it,
 * and refuse what is not an Inkwell database rather than report an empty one as intact.
 */
async function openExisting(config: ReturnType<typeof configFromEnv>, options: { readonly: boolean }) {
  if (!config.databaseUrl && !existsSync(config.sqliteFile)) throw new Error(`no database file at ${config.sqliteFile}`);
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
      const ledger = new Ledger(database, {
        maxFutureSkewMs: config.maxFutureSkewMs,
        policy: { snapshotEvery: config.snapshotEvery, epochEvery: config.epochEvery },
      });
      const running = await startServer({ ledger, port: config.port, host: config.host, graphiql: config.graphiql, production: config.production, maxBodyBytes: config.maxBodyBytes });
      stderrLogger.log('info', `Inkwell serves ${running.url}${config.graphiql ? ' (GraphiQL: open it in a browser)' : ''}`, {
        listen: `${config.host}:${(running.server.address() as { port: number }).port}`,
        database: database.location,
      });
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
        console.log(`BROKEN at position ${chain.firstBrokenPosition}: expected hash ${chain.expectedHash}, stored ${chain.actualHash} (${chain.eventsChecked} events before it are intact)`);
        return 1;
      }
      console.log(`hash chain intact: ${chain.eventsChecked} events, head ${chain.headHash ?? '(empty log)'}`);
      if (chain.eventsChecked === 0) console.log('WARNING: the log is empty; if this is a restored backup, the restore did not bring its events');
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
      console.log(`${result.eventsReplayed} events replayed, ${result.snapshots} snapshots taken (every ${config.snapshotEvery} events)`);
      await database.close();
      return 0;
    }
    case 'schema':
      process.stdout.write(printedSchema());
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
