/**
 * `npm run bench:startup`: how long `inkwell serve` takes from spawn to its first successful
 * /health, and its resident memory then and after one GraphQL request, run from the sources
 * through tsx (INKWELL_FROM_SOURCE=1) and from the build in dist/. RSS counts the process and
 * its children (tsx runs an esbuild service process). One JSON line per figure; medians of
 * STARTUP_RUNS (default 5) runs each, alternated, on a fresh SQLite file each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processTree } from '../test/support/process-tree.js';

const BIN = fileURLToPath(new URL('../bin/inkwell.js', import.meta.url));
const BUILD = fileURLToPath(new URL('../scripts/build.js', import.meta.url));
const RUNS = Number(process.env.STARTUP_RUNS ?? 5);
const ADMIN_KEY = 'bench-admin-key-0123456789abcdefghijklmnopqrstuvwxyz';
const conditions = { machine: `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown'}`, node: process.version };

const MODES = {
  source: { INKWELL_FROM_SOURCE: '1' },
  dist: { INKWELL_FROM_SOURCE: '0' },
} as const;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Resident kilobytes of a process and all its descendants. */
function treeRssKb(root: number): number {
  return processTree(root).reduce((total, process) => total + process.rssKb, 0);
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).ok;
  } catch {
    return false;
  }
}

async function once(mode: keyof typeof MODES): Promise<{ ms: number; rssMb: number; rssAfterQueryMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'inkwell-startup-'));
  const port = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      ...MODES[mode],
      DATABASE_URL: '',
      INKWELL_DB: join(dir, 'inkwell.db'),
      PORT: String(port),
      HOST: '127.0.0.1',
      INKWELL_ADMIN_KEY: ADMIN_KEY,
      NODE_ENV: 'production',
    },
    stdio: 'ignore',
  });
  try {
    while (!(await healthy(port))) {
      if (child.exitCode !== null) throw new Error(`${mode}: the server exited with ${child.exitCode}`);
      if (performance.now() - started > 60_000) throw new Error(`${mode}: no /health within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const ms = performance.now() - started;
    const rssMb = treeRssKb(child.pid!) / 1024;
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query: '{ accounts(first: 1) { edges { node { code } } } }' }),
    });
    if (!response.ok) throw new Error(`${mode}: GraphQL answered ${response.status}`);
    await response.json();
    return { ms, rssMb, rssAfterQueryMb: treeRssKb(child.pid!) / 1024 };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  // A fresh build first, timed, so that no dist run below pays for one.
  const buildStarted = performance.now();
  await new Promise<void>((resolve, reject) =>
    spawn(process.execPath, [BUILD], { stdio: 'ignore' }).once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`build exited with ${code}`)),
    ),
  );
  const report = (name: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
    console.log(JSON.stringify({ name, value: Number(value.toFixed(1)), unit, ...extra, conditions }));
  report('build (npm run build)', performance.now() - buildStarted, 'ms');
  const runs: Record<keyof typeof MODES, Array<Awaited<ReturnType<typeof once>>>> = { source: [], dist: [] };
  for (let i = 0; i < RUNS; i++) for (const mode of ['source', 'dist'] as const) runs[mode].push(await once(mode));
  for (const mode of ['source', 'dist'] as const) {
    const all = runs[mode];
    const ms = all.map((r) => r.ms);
    report(`startup to first /health (${mode})`, median(ms), 'ms', { runs: ms.map(Math.round) });
    report(`RSS at first /health (${mode})`, median(all.map((r) => r.rssMb)), 'MB');
    report(`RSS after one GraphQL request (${mode})`, median(all.map((r) => r.rssAfterQueryMb)), 'MB');
  }
}

await main();
