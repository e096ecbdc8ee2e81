/**
 * The build (docs/operations.md, "Build"), as a fresh clone meets it: a copy of the checkout with
 * no dist/ (node_modules linked in place of `npm ci`) serves after `npm start`, which compiles
 * the sources on first start and runs the compiled code — no TypeScript, no esbuild, at run time.
 * A later start reuses the build; an edited source is compiled again, never served stale; and a
 * deployment that ships dist/ without the sources serves what it has. The tests run in order, on
 * one clone.
 */
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processApi } from '../support/api.js';
import { gqlAt, processDb, serve, type ProcessDb, type ServeProcess } from '../support/process.js';
import { processTree } from '../support/process-tree.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What a clone holds that `serve` and the build use; docs, tests and the schema file are left out on purpose. */
const CHECKOUT = ['bin', 'scripts', 'src', 'migrations', 'package.json', 'tsconfig.json'];

let clone: string;
let db: ProcessDb;

beforeAll(async () => {
  clone = mkdtempSync(join(tmpdir(), 'inkwell-clone-'));
  for (const entry of CHECKOUT) cpSync(join(ROOT, entry), join(clone, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
  db = await processDb();
});

afterAll(async () => {
  rmSync(clone, { recursive: true, force: true });
  await db.dispose();
});

/** `npm start` in the clone, as an operator runs it. */
function npmStart(): Promise<ServeProcess> {
  return serve(db.file, db.env, { command: 'npm', args: ['start'], cwd: clone });
}

async function stop(server: ServeProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

describe('npm start on a fresh clone', () => {
  it('compiles the sources into dist/ on first start, then serves GraphQL from the compiled code', async () => {
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    const server = await npmStart();
    try {
      expect(server.log()).toMatch(/compiled the sources into dist\//);
      expect(existsSync(join(clone, 'dist/src/cli/main.js'))).toBe(true);
      expect(existsSync(join(clone, 'dist/src/store/sqlite-worker.js'))).toBe(true);
      const opened = await processApi(server.url).openAccount({ code: 'assets:cash', type: 'ASSET', currency: 'EUR' });
      expect(opened.__typename).toBe('Account');
      const read = await gqlAt(server.url, '{ account(code: "assets:cash") { code currency } }');
      expect(read.data).toEqual({ account: { code: 'assets:cash', currency: 'EUR' } });
      // Nothing compiles while it serves: the esbuild service the build used is stopped.
      const tree = processTree(server.child.pid!);
      expect(tree.some((p) => /bin\/inkwell\.js serve/.test(p.command))).toBe(true);
      expect(tree.filter((p) => /esbuild/.test(p.command))).toEqual([]);
    } finally {
      await stop(server);
    }
  });

  it('runs what is in dist/ and reuses it on the next start', async () => {
    // Mark the compiled server: the mark shows in the log only if dist/ is what runs.
    const compiled = join(clone, 'dist/src/cli/serve.js');
    writeFileSync(compiled, readFileSync(compiled, 'utf8').replace('Inkwell serves', 'Inkwell (compiled) serves'));
    const server = await npmStart();
    try {
      expect(server.log()).not.toMatch(/compiled the sources/);
      expect(server.log()).toMatch(/Inkwell \(compiled\) serves/);
      const read = await gqlAt(server.url, '{ account(code: "assets:cash") { code } }');
      expect(read.data).toEqual({ account: { code: 'assets:cash' } });
    } finally {
      await stop(server);
    }
  });

  it('compiles again when a source changed, so an edit is never served stale', async () => {
    appendFileSync(join(clone, 'src/cli/serve.ts'), '\n// edited after the build\n');
    const server = await npmStart();
    try {
      expect(server.log()).toMatch(/compiled the sources into dist\//);
      expect(server.log()).not.toMatch(/Inkwell \(compiled\) serves/);
      expect(readFileSync(join(clone, 'dist/src/cli/serve.js'), 'utf8')).not.toMatch(/\(compiled\)/);
    } finally {
      await stop(server);
    }
  });

  it('serves from dist/ alone when the sources are not shipped', async () => {
    rmSync(join(clone, 'src'), { recursive: true });
    rmSync(join(clone, 'migrations'), { recursive: true });
    const server = await npmStart();
    try {
      expect(server.log()).not.toMatch(/compiled the sources/);
      const read = await gqlAt(server.url, '{ account(code: "assets:cash") { code } }');
      expect(read.data).toEqual({ account: { code: 'assets:cash' } });
    } finally {
      await stop(server);
    }
  });
});
