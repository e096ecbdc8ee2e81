/** The `inkwell` command: each subcommand lives in a file of this folder; this one dispatches. */
import { configFromEnv, type Config } from '../config.js';
import { openDatabase } from '../store/db.js';
import { migrateToLatest } from '../store/migrate.js';
import { existing, withDatabase } from './database.js';
import { EXPORT_USAGE, exportCommand } from './export.js';
import { IMPORT_USAGE, importCommand } from './import.js';
import { keys } from './keys.js';
import { rebuild, rebuildAllSnapshots, rebuildSubscriber, verify, verifyAllEvents } from './maintenance.js';
import { serve } from './serve.js';

const USAGE = `usage: inkwell <command>

  serve              migrate, then serve GraphQL at /graphql and /health (PORT, default 4000)
  migrate            apply pending migrations and exit
  keys create --name NAME --role reader|writer|auditor|admin [--expires-at RFC3339]
                     create an API key and print its secret (shown once, only a hash is kept)
  keys list          list the keys (never their secrets)
  keys revoke NAME   revoke a key: refused from the next request on
${EXPORT_USAGE}
${IMPORT_USAGE}
  rebuild [--check]  recompute the read models from the event log, print every difference,
                     and replace them (--check: compare only; exit 1 when they differ)
  verify             check the hash chain of the whole log and decode every event; exit 1
                     naming the first broken position (use it on a restored backup)
  snapshots rebuild  drop every snapshot and take them again from the log
  subscribers rebuild NAME
                     rebuild a checkpointed subscriber (daily-balances, metadata-index:TARGET:path)
                     blue-green, writes going on
  events verify      decode and validate every stored event (every schema version), print
                     counts per type and version; exit 1 naming the first bad event
  schema             print the GraphQL SDL

The database is the SQLite file INKWELL_DB (default ./data/inkwell.db), or PostgreSQL
when DATABASE_URL=postgres://… is set. A fresh database gets an admin key at its first
\`serve\`, printed once; INKWELL_ADMIN_KEY seeds one instead (docs/security.md).`;

/** A usage error: the message, then the usage; exit 2. */
function misused(message: string): number {
  console.error(`${message}\n\n${USAGE}`);
  return 2;
}

type Command = (args: string[], config: Config) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve: (_args, config) => serve(config),
  migrate: (_args, config) =>
    withDatabase(
      () => openDatabase(config),
      async (database) => {
        const result = await migrateToLatest(database);
        const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date');
        return 0;
      },
    ),
  keys,
  report: (args, config) =>
    withDatabase(existing(config, { readonly: true }), (database) => exportCommand('report', args, database)),
  export: (args, config) =>
    withDatabase(existing(config, { readonly: true }), (database) => exportCommand('export', args, database)),
  import: importCommand,
  rebuild,
  verify: (_args, config) => verify(config),
  events: async (args, config) =>
    args[0] === 'verify' ? verifyAllEvents(config) : misused(`unknown events command "${args[0] ?? ''}"`),
  snapshots: async (args, config) =>
    args[0] === 'rebuild' ? rebuildAllSnapshots(config) : misused(`unknown snapshots command "${args[0] ?? ''}"`),
  subscribers: async (args, config) =>
    args[0] === 'rebuild' && args[1]
      ? rebuildSubscriber(args[1], config)
      : misused('usage: inkwell subscribers rebuild daily-balances'),
  schema: async () => {
    process.stdout.write((await import('../graphql/schema.js')).printedSchema());
    return 0;
  },
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = configFromEnv();
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) return misused(`unknown command "${command}"`);
  return run(rest, config);
}

/**
 * Exits once stdout and stderr have handed everything to the OS: on a pipe they are asynchronous,
 * and process.exit alone cut `inkwell schema | …` at 64 KiB. A write's callback runs after the
 * writes before it.
 */
function exit(code: number): void {
  let waiting = 2;
  const done = () => {
    waiting -= 1;
    if (waiting === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  exit(1);
});
