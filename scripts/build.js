// The build (`npm run build`, docs/operations.md): every TypeScript file of src/ and migrations/
// transpiled one for one to JavaScript under dist/ (same layout, so relative imports and the
// SQLite worker's URL still resolve), every other file there copied as it is.
//
// esbuild, not tsc: it ships with tsx, a runtime dependency, so `npm ci --omit=dev && npm start`
// can still build (typescript is a dev dependency), and it transpiles the tree in well under a
// second where tsc takes tens of seconds — `npm start` builds on first start. Type-checking stays
// `npm run typecheck`'s job. Plain JavaScript so it runs before anything is compiled.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** What `serve` and the CLI load at run time. */
const SOURCES = ['src', 'migrations'];
/** Written last: the fingerprint of the sources the build was made from. */
const STAMP = join(DIST, '.built');
/** Held while one process builds, so that processes started together do not build over each other. */
const LOCK = join(DIST, '.lock');
const LOCK_STALE_MS = 120_000;

/** Every file under the sources. */
function walk(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

function sourceFiles() {
  return SOURCES.flatMap((dir) => walk(join(ROOT, dir))).sort();
}

/**
 * What the build is made from: each source's path, size and modification time, this script and
 * the tsconfig esbuild reads. Any change (an edit, a file added or removed, a checkout) changes it.
 * Only stat calls: a few milliseconds at each start.
 */
export function fingerprint() {
  const inputs = [...sourceFiles(), fileURLToPath(import.meta.url), join(ROOT, 'tsconfig.json')];
  const hash = createHash('sha256');
  for (const path of inputs) {
    const { size, mtimeMs } = statSync(path);
    hash.update(`${relative(ROOT, path)}\t${size}\t${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** True when dist/ is missing or was built from other sources than the ones here now. */
export function isStale() {
  // A deployment that ships dist/ without the sources runs what it has.
  if (!SOURCES.every((dir) => existsSync(join(ROOT, dir)))) return !existsSync(STAMP);
  try {
    return readFileSync(STAMP, 'utf8').trim() !== fingerprint();
  } catch {
    return true;
  }
}

/** Transpiles the sources into dist/ (its old files removed first). Returns the number of files written. */
export async function build() {
  // Through tsx's own dependency: esbuild is not a direct dependency of this package.
  const { build: esbuild, stop } = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild');
  // Taken before reading the sources: one edited during the build leaves the build stale.
  const stamp = fingerprint();
  rmSync(STAMP, { force: true });
  for (const dir of SOURCES) rmSync(join(DIST, dir), { recursive: true, force: true });
  const files = sourceFiles();
  const typescript = files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'));
  await esbuild({
    entryPoints: typescript,
    outdir: DIST,
    outbase: ROOT,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Stack traces in the logs point at the TypeScript lines (bin/inkwell.js turns maps on).
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // esbuild keeps a service process for later calls: a server that built on start needs none.
  await stop();
  const others = files.filter((path) => !path.endsWith('.ts'));
  for (const path of others) {
    const target = join(DIST, relative(ROOT, path));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(path, target);
  }
  writeFileSync(STAMP, `${stamp}\n`);
  return typescript.length + others.length;
}

/** Sleeps without a timer: this runs before anything is served, and callers block on it anyway. */
function pause(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes the build lock, waiting for another process's build; a lock older than two minutes is a crashed build's. */
function lock() {
  mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        // Released while looked at: try again.
      }
      if (age > LOCK_STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      else pause(50);
    }
  }
}

/** Builds dist/ when it is missing or stale; true when it built. */
export async function ensureBuilt() {
  if (!isStale()) return false;
  lock();
  try {
    // Another process may have built while this one waited.
    if (!isStale()) return false;
    await build();
    return true;
  } finally {
    rmdirSync(LOCK);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  lock();
  try {
    const count = await build();
    console.log(`built ${count} files into dist/ in ${Math.round(performance.now() - started)} ms`);
  } finally {
    rmdirSync(LOCK);
  }
}
