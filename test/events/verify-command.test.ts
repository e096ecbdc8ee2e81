/** `inkwell events verify` on a database holding every version, and on a broken one. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/sqlite.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { legacyRows, seedRaw } from '../support/legacy.js';
import { run } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'inkwell-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function databaseWith(name: string, rows: ReturnType<typeof legacyRows>): Promise<string> {
  const file = join(dir, name);
  const database = openSqlite(file);
  await migrateToLatest(database);
  await seedRaw(database, rows);
  await database.close();
  return file;
}

describe('inkwell events verify', () => {
  it('passes on a log holding every schema version and prints counts per type and version', async () => {
    const result = run(['events', 'verify'], await databaseWith('all-versions.db', legacyRows()));
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/AccountOpened v1\s+5\n/);
    expect(result.stdout).toMatch(/TransactionPosted v1\s+8\n/);
    expect(result.stdout).toMatch(/81 events decoded, all valid/);
  });

  it('fails naming the first bad event', async () => {
    const rows = legacyRows();
    rows[9] = { ...rows[9]!, type: 'TransactionVoided' };
    rows[12] = { ...rows[12]!, schemaVersion: 9 };
    const result = run(['events', 'verify'], await databaseWith('broken.db', rows));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /FAILED at position 10 \(TransactionVoided v1\): event at position 10: unknown event type "TransactionVoided" v1/,
    );
    expect(result.stdout).toMatch(/9 events decoded before the first bad one/);
  });
});
