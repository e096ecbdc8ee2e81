/** The `inkwell` command: each subcommand lives in a file of this folder; this one dispatches. */
import { configFromEnv, type Config } from '../config.js';
import { ValidationError } from '../domain/errors.js';
import { checkLedgerName, DEFAULT_LEDGER } from '../domain/ledgers.js';
import { existing, withDatabase } from './database.js';
import { EXPORT_USAGE, exportCommand } from './export.js';
import { IMPORT_USAGE, importCommand } from './import.js';
import { keys } from './keys.js';
import { rebuild, rebuildAllSnapshots, rebuildSubscriber, verify, verifyAllEvents } from './maintenance.js';
import { migrate } from './migrate.js';
import { serve } from './serve.js';

const USAGE = `usage: inkwell <command>

  serve              migrate, then serve GraphQL at /graphql and /health (PORT, default 4000)
  migrate            apply pending migrations to the default database and every ledger in its
                     catalogue, a line per ledger, and exit
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

migrate, report, export, import, rebuild, verify, snapshots rebuild, subscribers rebuild and
events verify take --ledger NAME: run on that ledger of the catalogue (default: \`default\`;
migrate: only that one). An unknown ledger is refused, and nothing is created.

The database is the SQLite file INKWELL_DB (default ./data/inkwell.db), or PostgreSQL
when DATABASE_URL=postgres://… is set. A fresh database gets an admin key at its first
\`serve\`, printed once; INKWELL_ADMIN_KEY seeds one instead (docs/security.md).`;

/** A usage error: the message, then the usage; exit 2. */
function misused(message: string): number {
  console.error(`${message}\n\n${USAGE}`);
  return 2;
}

type Command = (args: string[], config: Config) => Promise<number>;

/** A command on one ledger: `--ledger NAME` taken out of its arguments, null when not given. */
type LedgerCommand = (args: string[], config: Config, ledger: string | null) => Promise<number>;

/** Runs the command on the ledger `--ledger NAME` names; a misused option is a usage error (exit 2). */
function onLedger(run: LedgerCommand): Command {
  return async (args, config) => {
    let taken: { ledger: string | null; rest: string[] };
    try {
      taken = takeLedger(args);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return misused(error.message);
    }
    return run(taken.rest, config, taken.ledger);
  };
}

/**
 * Takes `--ledger NAME` (or `--ledger=NAME`) out of the arguments before the command parses the
 * rest, so every command reads it alike. Once at most: a command runs on one ledger.
 */
function takeLedger(args: string[]): { ledger: string | null; rest: string[] } {
  const rest: string[] = [];
  let ledger: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = arg === '--ledger' ? args[++i] : arg.startsWith('--ledger=') ? arg.slice('--ledger='.length) : null;
    if (value === null) rest.push(arg);
    else if (value === undefined) throw new ValidationError('--ledger', 'needs a ledger name');
    else if (ledger !== null) throw new ValidationError('--ledger', 'given twice: a command runs on one ledger');
    else ledger = checkLedgerName(value, '--ledger');
  }
  return { ledger, rest };
}

/** A command that runs on `default` unless told otherwise. */
const onOneLedger = (run: (args: string[], config: Config, ledger: string) => Promise<number>): Command =>
  onLedger((args, config, ledger) => run(args, config, ledger ?? DEFAULT_LEDGER));

const COMMANDS: Record<string, Command> = {
  serve: (_args, config) => serve(config),
  migrate: onLedger((_args, config, ledger) => migrate(config, ledger)),
  keys,
  report: onOneLedger((args, config, ledger) =>
    withDatabase(existing(config, { readonly: true }, ledger), (database) => exportCommand('report', args, database)),
  ),
  export: onOneLedger((args, config, ledger) =>
    withDatabase(existing(config, { readonly: true }, ledger), (database) => exportCommand('export', args, database)),
  ),
  import: onOneLedger(importCommand),
  rebuild: onOneLedger(rebuild),
  verify: onOneLedger((_args, config, ledger) => verify(config, ledger)),
  events: onOneLedger(async (args, config, ledger) =>
    args[0] === 'verify' ? verifyAllEvents(config, ledger) : misused(`unknown events command "${args[0] ?? ''}"`),
  ),
  snapshots: onOneLedger(async (args, config, ledger) =>
    args[0] === 'rebuild'
      ? rebuildAllSnapshots(config, ledger)
      : misused(`unknown snapshots command "${args[0] ?? ''}"`),
  ),
  subscribers: onOneLedger(async (args, config, ledger) =>
    args[0] === 'rebuild' && args[1]
      ? rebuildSubscriber(args[1], config, ledger)
      : misused('usage: inkwell subscribers rebuild daily-balances'),
  ),
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
