/**
 * `inkwell import journal FILE` and `inkwell import jsonl FILE`: history brought in through the
 * ledger's own write path (ledger/import/), with a progress line on stderr, a summary on stdout,
 * and on a refusal the file and line at fault and how to resume (run the same command again).
 */
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { uuidv7 } from '../ledger/ids.js';
import { runImport } from '../ledger/import/importer.js';
import { journalSource } from '../ledger/import/journal-source.js';
import { jsonlSource } from '../ledger/import/jsonl-source.js';
import { ImportRefused } from '../ledger/import/refusal.js';
import { Ledger } from '../ledger/ledger.js';
import { migrated, withDatabase } from './database.js';
import { dryRunReport, summaryLine } from './import-report.js';

export const IMPORT_USAGE = `  import journal|jsonl FILE [--dry-run]
                     bring history in: an hledger journal (Inkwell's export or hand-written) or
                     the JSON Lines audit-trail export; resumable (a second run posts nothing new)`;

/** Without a terminal, a plain line per this many transactions read. */
const PROGRESS_EVERY = 10_000;

function progressOf(): (read: number) => void {
  if (process.stderr.isTTY) return (read) => void process.stderr.write(`\r${read} transactions read`);
  let next = PROGRESS_EVERY;
  return (read) => {
    if (read < next) return;
    next = read - (read % PROGRESS_EVERY) + PROGRESS_EVERY;
    process.stderr.write(`${read} transactions read\n`);
  };
}

export async function importCommand(args: string[], config: Config, ledger: string): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    console.error(`${(error as Error).message}\nusage:\n${IMPORT_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [format, file] = positionals;
  if ((format !== 'journal' && format !== 'jsonl') || !file || positionals.length > 2) {
    console.error(`usage:\n${IMPORT_USAGE}`);
    return 2;
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    console.error(`${file}: no such file`);
    return 1;
  }
  const dryRun = values['dry-run'] ?? false;
  const source = format === 'journal' ? journalSource(file) : jsonlSource(file);
  const progress = progressOf();
  return withDatabase(migrated(config, ledger), async (database) => {
    const target = new Ledger(database, { conversionAccount: config.conversionAccount });
    const ctx = { actor: 'import', requestId: `import-${uuidv7()}` };
    try {
      const options = { dryRun, ctx, progress, conversionAccount: config.conversionAccount };
      const summary = await runImport(target, source, options);
      if (process.stderr.isTTY) process.stderr.write('\n');
      console.log(summaryLine(file, summary, dryRun));
      if (dryRun) console.log(await dryRunReport(database.db, summary));
      return 0;
    } catch (error) {
      if (!(error instanceof ImportRefused)) throw error;
      if (process.stderr.isTTY) process.stderr.write('\n');
      console.error(
        `${file}:${error.line}: ${error.reason}\n` +
          (dryRun
            ? 'dry run: nothing was written.'
            : `stopped there: everything before line ${error.line} is posted. Fix the file and run the same command again; what is already imported is skipped.`),
      );
      return 1;
    }
  });
}

function parse(args: string[]) {
  return parseArgs({ args, options: { 'dry-run': { type: 'boolean' } }, allowPositionals: true, strict: true });
}
