/**
 * Driving hledger (installed on the machine) for the tests in test/tools: its balances, Inkwell's
 * in the same comparable form ("12.5 USD", debits positive), and the journal export at a cut.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJournalAmount } from '../../src/domain/hledger-amount.js';
import { Amount } from '../../src/domain/money.js';
import { trialBalance } from '../../src/reports/balances.js';
import { before, reportCut, type ReportCut } from '../../src/reports/cut.js';
import { writeJournal } from '../../src/reports/export/journal.js';
import { stringSink } from '../../src/reports/export/write.js';
import type { Db } from '../../src/store/db.js';

/**
 * hledger's balance of every account before `date` (its -e is exclusive), or of all time.
 * `args`: more of hledger's options (['-X', 'USD']). With `inferEquity`, hledger's conversion
 * postings for costs, its account names lower-cased as Inkwell writes them
 * (equity:conversion:EUR-USD:EUR → equity:conversion:eur-usd:eur).
 */
export function hledgerBalances(
  file: string,
  date: string | null,
  options: { args?: string[]; inferEquity?: boolean } = {},
): Map<string, string> {
  const args = ['-f', file, 'bal', ...(date ? ['-e', date] : []), '--flat', '-N', '-O', 'csv', ...(options.args ?? [])];
  if (options.inferEquity) args.push('--infer-equity');
  const result = spawnSync('hledger', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`hledger failed: ${result.stderr}`);
  const balances = new Map<string, string>();
  for (const line of result.stdout.trim().split('\n').slice(1)) {
    const [account, balance] = [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
    const amount = parseJournalAmount(balance!);
    if (typeof amount === 'string') throw new Error(`unexpected hledger amount: ${amount}`);
    const name = options.inferEquity && account!.startsWith('equity:conversion:') ? account!.toLowerCase() : account!;
    balances.set(name, `${amount.quantity.toString()} ${amount.symbol}`);
  }
  return balances;
}

/** Inkwell's non-zero balances before `date` (or now), in hledger's form; `symbol` names a currency as the journal did. */
export async function inkwellBalances(
  db: Db,
  date: string | null,
  symbol: (currency: string) => string = (c) => c,
): Promise<Map<string, string>> {
  const now = new Date().toISOString();
  const asOf = date ? before(`${date}T00:00:00.000Z`) : '9999-12-31T23:59:59.999Z';
  const tb = await trialBalance(db, asOf, await reportCut(db, now, now));
  const balances = new Map<string, string>();
  for (const line of tb.lines) {
    const raw = new Amount(line.debit).minus(line.credit);
    if (!raw.isZero()) balances.set(line.code, `${raw.toString()} ${symbol(line.currency)}`);
  }
  return balances;
}

/** The journal export at a knownAt cut, written to a file in `dir`. */
export async function exportJournalAt(db: Db, dir: string, knownAt: string): Promise<{ cut: ReportCut; file: string }> {
  const cut = await reportCut(db, knownAt, '2030-01-01T00:00:00.000Z');
  const sink = stringSink(1 << 20);
  await writeJournal(db, cut, sink);
  const file = join(dir, `books-${cut.atPosition}.journal`);
  writeFileSync(file, sink.text());
  return { cut, file };
}
