/** Driving hledger (installed on the machine) on Inkwell's journal export, for the tests in test/tools. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Amount } from '../../src/domain/money.js';
import { reportCut, type ReportCut } from '../../src/reports/cut.js';
import { writeJournal } from '../../src/reports/export/journal.js';
import { stringSink } from '../../src/reports/export/write.js';
import type { Db } from '../../src/store/db.js';

/** hledger's balances at the start of `date` (its -e is exclusive), raw: debits positive; `extra` e.g. ['-X', 'USD']. */
export function hledgerBalances(file: string, date: string, extra: string[] = []): Map<string, string> {
  const result = spawnSync('hledger', ['-f', file, 'bal', '-e', date, '--flat', '-N', '-O', 'csv', ...extra], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`hledger failed: ${result.stderr}`);
  const balances = new Map<string, string>();
  for (const line of result.stdout.trim().split('\n').slice(1)) {
    const [account, balance] = [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"')) as [
      string,
      string,
    ];
    const match = /^(-?[0-9.]+) (?:"([^"]+)"|(\S+))$/.exec(balance);
    if (!match) throw new Error(`unexpected hledger amount "${balance}"`);
    balances.set(account, `${new Amount(match[1]!).toString()} ${match[2] ?? match[3]}`);
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
