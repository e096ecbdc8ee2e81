/** Balances as hledger prints them and as Inkwell's trial balance has them, in one comparable form. */
import { spawnSync } from 'node:child_process';
import { parseJournalAmount } from '../../src/domain/hledger-amount.js';
import { Amount } from '../../src/domain/money.js';
import { trialBalance } from '../../src/reports/balances.js';
import { before, reportCut } from '../../src/reports/cut.js';
import type { Db } from '../../src/store/db.js';

/**
 * hledger's balance of every account before `date` (its -e is exclusive), or of all time: "12.5 USD",
 * debits positive. With `inferEquity`, hledger's conversion postings for costs, its account names
 * lower-cased as Inkwell writes them (equity:conversion:EUR-USD:EUR → equity:conversion:eur-usd:eur).
 */
export function hledgerBalances(file: string, date: string | null, inferEquity = false): Map<string, string> {
  const args = ['-f', file, 'bal', ...(date ? ['-e', date] : []), '--flat', '-N', '-O', 'csv'];
  if (inferEquity) args.push('--infer-equity');
  const result = spawnSync('hledger', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`hledger failed: ${result.stderr}`);
  const balances = new Map<string, string>();
  for (const line of result.stdout.trim().split('\n').slice(1)) {
    const [account, balance] = [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
    const amount = parseJournalAmount(balance!);
    if (typeof amount === 'string') throw new Error(`unexpected hledger amount: ${amount}`);
    const name = inferEquity && account!.startsWith('equity:conversion:') ? account!.toLowerCase() : account!;
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
