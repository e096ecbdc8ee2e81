/**
 * The operator's view, with the real `inkwell` process on SQLite and on PostgreSQL: a fresh
 * database is locked but prints its admin key once, INKWELL_ADMIN_KEY seeds one, and the
 * `keys` commands create, list and revoke keys that a running server honours at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { processApi } from '../support/api.js';
import { gqlAt, processDb, run, serve, TEST_ADMIN_KEY, type ProcessDb, type ServeProcess } from '../support/process.js';

const running: ServeProcess[] = [];
const databases: ProcessDb[] = [];

async function fresh(): Promise<ProcessDb> {
  const db = await processDb();
  databases.push(db);
  return db;
}

async function start(db: ProcessDb, env: Record<string, string> = {}): Promise<ServeProcess> {
  const server = await serve(db.file, { ...db.env, ...env });
  running.push(server);
  return server;
}

async function stop(server: ServeProcess): Promise<void> {
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  running.splice(running.indexOf(server), 1);
}

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  for (const db of databases.splice(0)) await db.dispose();
});

const status = async (url: string, key: string | null) =>
  (
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: '{"query":"{ __typename }"}',
    })
  ).status;

describe('a fresh start', () => {
  it('is locked, prints an admin key once on stdout (never in the log), and that key opens it', async () => {
    const db = await fresh();
    const first = await start(db, { INKWELL_ADMIN_KEY: '' });
    const key = /^\s+(ink_[A-Za-z0-9_-]{43})$/m.exec(first.out())?.[1];
    expect(key, first.out()).toBeDefined();
    expect(first.log()).not.toContain(key);
    expect(first.log()).toContain('created the first admin key \\"admin\\"');
    expect(await status(first.url, null)).toBe(401);
    expect(await status(first.url, key!)).toBe(200);
    const opened = await processApi(first.url, key).openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET' });
    expect(opened.__typename).toBe('Account');
    await stop(first);

    const second = await start(db, { INKWELL_ADMIN_KEY: '' });
    expect(second.out()).not.toMatch(/ink_/);
    expect(await status(second.url, key!)).toBe(200);
    const events = await gqlAt(
      second.url,
      '{ account(code: "assets:cash") { events(first: 1) { edges { node { metadata { actor } } } } } }',
      undefined,
      key,
    );
    expect(events.data.account.events.edges[0].node.metadata.actor).toBe('admin');
  });

  it('seeds INKWELL_ADMIN_KEY instead of printing one, and refuses a short one', async () => {
    const db = await fresh();
    const secret = 'automation-secret-0123456789-abcdefghij';
    const server = await start(db, { INKWELL_ADMIN_KEY: secret, INKWELL_ADMIN_KEY_NAME: 'deployer' });
    expect(server.out()).not.toMatch(/ink_/);
    expect(server.log()).toContain('INKWELL_ADMIN_KEY stored as admin key \\"deployer\\"');
    expect(await status(server.url, secret)).toBe(200);
    await stop(server);
    const again = await start(db, { INKWELL_ADMIN_KEY: secret, INKWELL_ADMIN_KEY_NAME: 'deployer' });
    expect(await status(again.url, secret)).toBe(200);
    await stop(again);

    const other = await fresh();
    await expect(start(other, { INKWELL_ADMIN_KEY: 'too-short' })).rejects.toThrow(/32 to 256 printable ASCII/);
  });
});

describe('inkwell keys', () => {
  it('creates, lists and revokes keys; a running server honours a revocation at once', async () => {
    const db = await fresh();
    const server = await start(db);
    const created = run(['keys', 'create', '--name', 'ci-bot', '--role', 'writer'], db.file, db.env);
    expect(created.status, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^ink_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/created writer key "ci-bot"; its secret, shown once/);
    expect(await status(server.url, secret)).toBe(200);

    const listed = run(['keys', 'list'], db.file, db.env);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`^ci-bot\\twriter\\t${secret.slice(0, 10)}…\\tcreated \\S+ by cli\\tactive$`, 'm'),
    );
    expect(listed.stdout).toMatch(/^admin\tadmin\t/m);
    expect(listed.stdout).not.toContain(secret);

    const revoked = run(['keys', 'revoke', 'ci-bot'], db.file, db.env);
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toMatch(/revoked "ci-bot" at /);
    expect(await status(server.url, secret)).toBe(401);
    expect(run(['keys', 'list'], db.file, db.env).stdout).toMatch(/^ci-bot\twriter\t.*revoked \S+ by cli$/m);
  });

  it('scopes a key to ledgers with --ledger: FORBIDDEN on every other ledger (issue 24)', async () => {
    const db = await fresh();
    const server = await start(db);
    const created = await gqlAt(
      server.url,
      'mutation { createLedger(input: { name: "acme" }) { __typename } }',
      undefined,
      TEST_ADMIN_KEY,
    );
    expect(created.data?.createLedger.__typename, JSON.stringify(created)).toBe('Ledger');
    const unknown = run(['keys', 'create', '--name', 'x', '--role', 'reader', '--ledger', 'nope'], db.file, db.env);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no ledger is named "nope"/);
    const scoped = run(
      ['keys', 'create', '--name', 'acme-bot', '--role', 'writer', '--ledger', 'acme'],
      db.file,
      db.env,
    );
    expect(scoped.status, scoped.stderr).toBe(0);
    expect(scoped.stderr).toMatch(/created writer key "acme-bot" for ledger acme; its secret, shown once/);
    const secret = scoped.stdout.trim();
    const acme = server.url.replace(/\/graphql$/, '/ledgers/acme/graphql');
    expect(await status(acme, secret)).toBe(200);
    expect(await status(server.url, secret)).toBe(403);
    expect(await status(acme, TEST_ADMIN_KEY)).toBe(200);
    expect(run(['keys', 'list'], db.file, db.env).stdout).toMatch(/^acme-bot\twriter\t.*\tledgers acme\tactive$/m);
  });

  it('takes a plain date for --expires-at: the key works through that day, UTC', async () => {
    const db = await fresh();
    const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const nextDay = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
    const created = run(
      ['keys', 'create', '--name', 'dated', '--role', 'reader', '--expires-at', day],
      db.file,
      db.env,
    );
    expect(created.status, created.stderr).toBe(0);
    expect(created.stderr).toContain(`created reader key "dated", expiring ${nextDay}`);
    expect(run(['keys', 'list'], db.file, db.env).stdout).toMatch(
      new RegExp(`^dated\treader\t.*expires ${nextDay}`, 'm'),
    );
  });

  it('refuses bad requests with a message and a non-zero exit, writing nothing', async () => {
    const db = await fresh();
    const cases: Array<[string[], RegExp]> = [
      [['keys', 'create', '--name', 'x'], /needs --name NAME and --role/],
      [['keys', 'create', '--name', 'x', '--role', 'root'], /"root" is not a role/],
      [['keys', 'create', '--name', 'Has Space', '--role', 'reader'], /API key name/],
      [
        ['keys', 'create', '--name', 'old', '--role', 'reader', '--expires-at', '2001-01-01T00:00:00Z'],
        /not in the future/,
      ],
      [['keys', 'create', '--name', 'when', '--role', 'reader', '--expires-at', 'tomorrow'], /not RFC 3339/],
      [['keys', 'revoke', 'ghost'], /no API key is named "ghost"/],
      [['keys', 'rotate'], /usage: inkwell keys/],
    ];
    for (const [args, message] of cases) {
      const result = run(args, db.file, db.env);
      expect(result.status, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
    expect(run(['keys', 'create', '--name', 'dup', '--role', 'reader'], db.file, db.env).status).toBe(0);
    const duplicate = run(['keys', 'create', '--name', 'dup', '--role', 'admin'], db.file, db.env);
    expect(duplicate.status).toBe(1);
    expect(duplicate.stderr).toMatch(/names are never reused/);
    expect(run(['keys', 'list'], db.file, db.env).stdout.trim().split('\n')).toHaveLength(1);
  });
});
