/**
 * Peak memory of a streaming export: the real `inkwell export` process over a database of N
 * events, its peak RSS read from /proc (VmHWM) while it runs, and its rate.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/inkwell.js', import.meta.url));

function peakKiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // exited between two polls
  }
}

export async function measureExport(
  dbFile: string,
  label: string,
  args: string[],
  rowsExpected: number,
  report: (name: string, value: number, unit: string, extra?: Record<string, unknown>) => void,
): Promise<void> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, 'export', ...args, '--out', '/dev/null'], {
    env: { ...process.env, INKWELL_DB: dbFile, DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, peakKiB(child.pid!))), 50);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rows = Number(/^(\d+) rows/.exec(stderr)?.[1] ?? NaN);
  if (code !== 0 || rows !== rowsExpected)
    throw new Error(`export ${label} exited ${code} with ${rows} rows (expected ${rowsExpected}): ${stderr}`);
  report(`export.${label}.peak_rss`, peak / 1024, 'MiB', { rows, target: '<= 256' });
  report(`export.${label}.rate`, rows / seconds, 'rows/s', { rows, seconds: Math.round(seconds * 10) / 10 });
}
