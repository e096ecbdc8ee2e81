/**
 * `inkwell import` as an operator runs it, on SQLite and PostgreSQL: a summary on stdout, exit 0;
 * a dry run that writes nothing; and for hostile files (binary junk, a 10 MB line, a date that
 * does not exist, more decimals than the currency has, the wrong format) the file and line at
 * fault, exit 1, and never a stack trace. Usage errors exit 2.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processDb, run, type ProcessDb } from '../support/process.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/hand-written.journal', import.meta.url));
let db: ProcessDb;
let dir: string;

beforeAll(async () => {
  db = await processDb();
  dir = mkdtempSync(join(tmpdir(), 'inkwell-import-cli-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db.dispose();
});

const inkwell = (...args: string[]) => run(args, db.file, db.env);

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A clear refusal: exit 1, the message, and no stack trace. */
function refused(result: ReturnType<typeof inkwell>, message: RegExp): void {
  expect(result.status, result.stderr).toBe(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('inkwell import', () => {
  it('dry-runs a journal: what would be posted and the trial balance after, nothing written', () => {
    const dry = inkwell('import', 'journal', FIXTURE, '--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('13 transactions read, 12 would post, 0 already imported, 5 balance assertions held');
    expect(dry.stdout).toContain('dry run: nothing was written');
    expect(dry.stdout).toMatch(/^assets:bank:checking\tUSD\t7\t3188\.5\t3188\.5$/m);
    expect(dry.stdout).toMatch(/^total\tUSD\t3500\t3500$/m);
    const tb = inkwell('report', 'trial-balance');
    expect(tb.stdout).not.toContain('assets:bank:checking');
  });

  it('imports a journal, then posts nothing the second time', () => {
    const first = inkwell('import', 'journal', FIXTURE);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      '12 posted, 0 already imported, 5 balance assertions held, 1 prices recorded, 12 accounts opened',
    );
    const second = inkwell('import', 'journal', FIXTURE);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('0 posted, 12 already imported');
    expect(inkwell('report', 'trial-balance').stdout).toMatch(/assets:bank:checking.*3188\.50/);
  });

  it('refuses hostile files with their line, exit 1, and no stack trace', () => {
    const junk = randomBytes(4096);
    junk[10] = 0;
    refused(inkwell('import', 'journal', file('junk.bin', junk)), /junk\.bin:1: binary data/);
    refused(inkwell('import', 'jsonl', file('junk2.bin', junk)), /junk2\.bin:1: binary data/);
    const long = `2026-01-01 ${'x'.repeat(10 * 1024 * 1024)}\n`;
    refused(
      inkwell('import', 'journal', file('long.journal', long)),
      /long\.journal:1: a line longer than 1048576 bytes/,
    );
    const badDate =
      '2026-01-01 ok\n    assets:cash  1.00 USD\n    equity:x\n\n2026-02-30 no such day\n    assets:cash  1 USD\n    equity:x\n';
    refused(
      inkwell('import', 'journal', file('dates.journal', badDate)),
      /dates\.journal:5: 2026-02-30 is not a date\nstopped there: everything before line 5 is posted/,
    );
    const decimals = '2026-01-01 too fine\n    assets:cash  1.005 USD\n    equity:x\n';
    refused(
      inkwell('import', 'journal', file('decimals.journal', decimals)),
      /decimals\.journal:2: 1\.005 USD has more decimals than USD allows \(2\)/,
    );
    refused(inkwell('import', 'jsonl', file('not.jsonl', 'hello\n')), /not\.jsonl:1: not a JSON line/);
    refused(
      inkwell('import', 'jsonl', file('report.jsonl', '{"record":"report","report":"trial-balance"}\n')),
      /report\.jsonl:1: not an audit-trail export/,
    );
    refused(inkwell('import', 'journal', join(dir, 'missing.journal')), /missing\.journal: no such file/);
  });

  it('answers usage errors with the usage and exit 2', () => {
    for (const args of [['import'], ['import', 'csv', FIXTURE], ['import', 'journal', FIXTURE, '--bogus']]) {
      const result = inkwell(...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('import journal|jsonl FILE [--dry-run]');
    }
  });

  it('prints a plain progress line per 10,000 transactions when stderr is not a terminal', () => {
    const blocks = Array.from(
      { length: 10_001 },
      (_, i) => `2026-01-01 t${i}\n    assets:bulk  0.01 USD\n    equity:bulk\n`,
    );
    const result = inkwell('import', 'journal', file('many.journal', `commodity 1000.00 USD\n\n${blocks.join('\n')}`));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('10000 transactions read\n');
    expect(result.stdout).toContain('10001 transactions read, 10001 posted');
  });
});
