/**
 * What `inkwell import` prints: the summary of a run, and for a dry run what would be posted per
 * account and currency and the trial balance the import would leave (the ledger's balances now,
 * every effective time, plus what the file adds; debits positive, as hledger prints them).
 */
import { Amount, ZERO } from '../domain/money.js';
import type { ImportSummary } from '../ledger/import/importer.js';
import { trialBalance } from '../reports/balances.js';
import { reportCut } from '../reports/cut.js';
import type { Db } from '../store/db.js';

const END_OF_TIME = '9999-12-31T23:59:59.999Z';

export function summaryLine(file: string, s: ImportSummary, dryRun: boolean): string {
  const verb = dryRun ? 'would post' : 'posted';
  const notes = [...s.notes].map(([what, n]) => `\n  not imported: ${n} ${what}`).join('');
  return (
    `${file}: ${s.read} transactions read, ${s.posted} ${verb}, ${s.skipped} already imported, ` +
    `${s.assertions} balance assertions held, ${s.prices} prices ${dryRun ? 'checked' : 'recorded'}, ${s.accountsOpened.length} accounts ${dryRun ? 'to open' : 'opened'}${notes}`
  );
}

/** Per account: postings and net change, then the resulting balance; totals per currency. */
export async function dryRunReport(db: Db, s: ImportSummary): Promise<string> {
  const now = new Date().toISOString();
  const tb = await trialBalance(db, END_OF_TIME, await reportCut(db, now, now));
  const balances = new Map(
    tb.lines.map((l) => [l.code, { currency: l.currency, raw: new Amount(l.debit).minus(l.credit) }]),
  );
  const codes = [...new Set([...balances.keys(), ...s.changes.keys()])].sort();
  const out = ['dry run: nothing was written', '', 'account\tcurrency\tpostings\tchange\tbalance after'];
  const totals = new Map<string, { debit: Amount; credit: Amount }>();
  for (const code of codes) {
    const change = s.changes.get(code);
    const before = balances.get(code);
    const currency = change?.currency ?? before!.currency;
    const after = (before?.raw ?? ZERO).plus(change?.net ?? ZERO);
    out.push(
      `${code}\t${currency}\t${change?.postings ?? 0}\t${(change?.net ?? ZERO).toString()}\t${after.toString()}`,
    );
    const total = totals.get(currency) ?? { debit: ZERO, credit: ZERO };
    if (after.isPositive()) total.debit = total.debit.plus(after);
    else total.credit = total.credit.minus(after);
    totals.set(currency, total);
  }
  out.push('', 'trial balance after the import\tcurrency\tdebits\tcredits');
  for (const [currency, t] of [...totals].sort())
    out.push(
      `total\t${currency}\t${t.debit.toString()}\t${t.credit.toString()}${t.debit.eq(t.credit) ? '' : '\tNOT BALANCED'}`,
    );
  return out.join('\n');
}
