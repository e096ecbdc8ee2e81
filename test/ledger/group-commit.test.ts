/**
 * Group commit: concurrent commands share one durable transaction, each is acknowledged only
 * after it commits, and a command that fails fails alone — its neighbours' results are those of
 * running the same commands one by one.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/domain/errors.js';
import { Ledger, type LedgerOptions } from '../../src/ledger/ledger.js';
import { getAccounts } from '../../src/ledger/queries.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import type { Database } from '../../src/store/db.js';
import { logState } from '../support/log-state.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'group-commit' };
const CODES = ['assets:a', 'assets:b', 'equity:c', 'assets:frozen'];

async function setUp(database: Database, options: LedgerOptions = {}): Promise<Ledger> {
  const ledger = new Ledger(database, options);
  await ledger.openAccount({ code: 'assets:a', name: 'A', type: 'ASSET', currency: 'USD', minimumBalance: '0' }, ctx);
  await ledger.openAccount({ code: 'assets:b', name: 'B', type: 'ASSET', currency: 'USD', minimumBalance: '0' }, ctx);
  await ledger.openAccount({ code: 'equity:c', name: 'C', type: 'EQUITY', currency: 'USD' }, ctx);
  await ledger.openAccount({ code: 'assets:frozen', name: 'F', type: 'ASSET', currency: 'USD' }, ctx);
  await ledger.freezeAccount({ code: 'assets:frozen' }, ctx);
  return ledger;
}

const transfer = (
  ledger: Ledger,
  key: string,
  debitAccount: string,
  creditAccount: string,
  amount = '1.00',
  description?: string,
  effectiveAt?: string,
) => ledger.transfer({ idempotencyKey: key, debitAccount, creditAccount, amount, description, effectiveAt }, ctx);

/** Counts the write transactions a database runs, and can hold each one before its commit. */
function instrument(database: Database) {
  const write = database.write.bind(database);
  const probe = { transactions: 0, gate: null as Promise<void> | null };
  (database as { write: Database['write'] }).write = (work) =>
    write(async (trx) => {
      probe.transactions += 1;
      const result = await work(trx);
      if (probe.gate) await probe.gate;
      return result;
    });
  return probe;
}

let temps: TempDatabase[] = [];
const fresh = async () => {
  const temp = await tempDatabase();
  temps.push(temp);
  return temp;
};
beforeEach(() => {
  temps = [];
});
afterEach(async () => {
  for (const temp of temps) await temp.dispose();
});

/** A transfer as the property tests generate it: refusals of every kind are among them. */
const command = fc.record({
  key: fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'),
  debit: fc.constantFrom(...CODES, 'assets:nope'),
  credit: fc.constantFrom(...CODES),
  amount: fc.constantFrom('1.00', '5.00', '20.00'),
  ahead: fc.boolean(),
});
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

/**
 * Sends `commands` at once to a ledger with these group-commit options and one by one to another;
 * checks both give the same results, balances and versions, and clean read models.
 */
async function sameAsOneByOne(
  commands: Command[],
  groupCommit: LedgerOptions['groupCommit'] = {},
  options: { cold?: boolean } = {},
): Promise<Ledger> {
  const [grouped, sequential] = [await fresh(), await fresh()];
  const [set, s] = [await setUp(grouped.database, { groupCommit }), await setUp(sequential.database)];
  // Cold: as after a restart, nothing cached; each group loads the accounts it names up front.
  const g = options.cold ? new Ledger(grouped.database, { groupCommit }) : set;
  const ahead = new Date(Date.now() + 60_000).toISOString(); // one instant for both runs: keys fingerprint it
  const run = (ledger: Ledger, c: Command) =>
    transfer(ledger, c.key, c.debit, c.credit, c.amount, undefined, c.ahead ? ahead : undefined);
  const together = await Promise.allSettled(commands.map((c) => run(g, c)));
  const oneByOne: PromiseSettledResult<string>[] = [];
  for (const c of commands) oneByOne.push(...(await Promise.allSettled([run(s, c)])));
  expect(outcomes(together)).toEqual(outcomes(oneByOne));
  const balances = async (db: Database) => {
    const accounts = await getAccounts(db.db, CODES);
    return CODES.map((code) => [code, accounts.get(code)?.balance, accounts.get(code)?.version]);
  };
  expect(await balances(grouped.database)).toEqual(await balances(sequential.database));
  expect((await rebuildReadModels(grouped.database, { apply: false })).differences).toEqual([]);
  for (const temp of [grouped, sequential]) await temp.dispose();
  temps = temps.filter((t) => t !== grouped && t !== sequential);
  return g;
}

describe('group commit', () => {
  it('commits concurrent commands in one transaction, with one recorded time', async () => {
    const { database } = await fresh();
    const ledger = await setUp(database);
    const probe = instrument(database);
    const before = ledger.committer.stats.groups;
    const ids = await Promise.all(
      Array.from({ length: 50 }, (_, i) => transfer(ledger, `t${i}`, 'assets:a', 'equity:c')),
    );
    expect(new Set(ids).size).toBe(50);
    expect(probe.transactions).toBe(1);
    expect(ledger.committer.stats.groups - before).toBe(1);
    expect(ledger.committer.stats.largest).toBe(50);
    const times = await database.db
      .selectFrom('events')
      .select('recorded_at')
      .where('transaction_id', 'in', ids)
      .distinct()
      .execute();
    expect(times).toHaveLength(1);
    expect((await getAccounts(database.db, ['assets:a'])).get('assets:a')).toMatchObject({ balance: '50.00' });
  });

  it('acknowledges no command before its transaction is durable', async () => {
    const temp = await fresh();
    const ledger = await setUp(temp.database);
    const probe = instrument(temp.database);
    let release!: () => void;
    probe.gate = new Promise((resolve) => (release = resolve));
    const acknowledged: string[] = [];
    const pending = Array.from({ length: 10 }, (_, i) =>
      transfer(ledger, `held${i}`, 'assets:a', 'equity:c').then((id) => acknowledged.push(id)),
    );
    // Staged and written, the commit held back: nobody has an answer, and nobody else sees anything.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(probe.transactions).toBe(1);
    expect(acknowledged).toEqual([]);
    const other = temp.reopen();
    try {
      expect((await logState(other.db)).events).toBe(5);
      release();
      await Promise.all(pending);
      expect(acknowledged).toHaveLength(10);
      expect((await logState(other.db)).events).toBe(25);
    } finally {
      await other.close();
    }
  });

  it('fails a refused command alone: every result is that of running the same commands one by one', async () => {
    // Refusals of every kind inside one group: unknown and frozen accounts, insufficient funds on
    // a bounded account (money dated a minute ahead does not fund it yet, even when it arrived
    // earlier in the same group), a key reused with other fields (conflict) or the same (a replay).
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 2, maxLength: 24 }), async (commands) => {
        const g = await sameAsOneByOne(commands);
        // Everything that reached the committer did so in one transaction (setUp's commands are one each).
        expect(g.committer.stats.groups).toBeLessThanOrEqual(6);
      }),
      { numRuns: 12 },
    );
  });

  it('does not let money dated ahead fund an outflow, even when both are in one group', async () => {
    const { database } = await fresh();
    const ledger = await setUp(database);
    const ahead = new Date(Date.now() + 60_000).toISOString();
    const groupsBefore = ledger.committer.stats.groups;
    const [inflow, outflow, today] = await Promise.allSettled([
      transfer(ledger, 'in', 'assets:a', 'equity:c', '10.00', undefined, ahead),
      transfer(ledger, 'out', 'equity:c', 'assets:a', '5.00'),
      transfer(ledger, 'in-now', 'assets:a', 'equity:c', '3.00'),
    ]);
    expect(ledger.committer.stats.groups - groupsBefore).toBe(1);
    expect(inflow.status).toBe('fulfilled');
    expect(outflow).toMatchObject({ status: 'rejected', reason: { code: 'INSUFFICIENT_FUNDS' } });
    expect(today.status).toBe('fulfilled');
    await expect(transfer(ledger, 'out-2', 'equity:c', 'assets:a', '3.01')).rejects.toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
    });
    await expect(transfer(ledger, 'out-3', 'equity:c', 'assets:a', '3.00')).resolves.toBeTruthy();
  });

  it('answers concurrent voids of one hold as one by one: both succeed, one voids', async () => {
    const { database } = await fresh();
    const ledger = await setUp(database);
    await transfer(ledger, 'fund', 'assets:a', 'equity:c', '10.00');
    const hold = await ledger.postTransaction(
      {
        idempotencyKey: 'h',
        pending: true,
        entries: [
          { account: 'equity:c', direction: 'DEBIT', amount: '4.00' },
          { account: 'assets:a', direction: 'CREDIT', amount: '4.00' },
        ],
      },
      ctx,
    );
    const before = (await logState(database.db)).events;
    await expect(
      Promise.all([ledger.voidPending({ transactionId: hold }, ctx), ledger.voidPending({ transactionId: hold }, ctx)]),
    ).resolves.toEqual([hold, hold]);
    expect((await logState(database.db)).events).toBe(before + 2); // one HoldVoided per account, once
  });

  it('answers concurrent reversals of one transaction as one by one: the second is told it is reversed', async () => {
    const { database } = await fresh();
    const ledger = await setUp(database);
    // assets:a holds 6.00, all from the transaction: one reversal empties it, a second could not be funded.
    const original = await transfer(ledger, 'in', 'assets:a', 'equity:c', '6.00');
    const before = (await logState(database.db)).events;
    const results = await Promise.allSettled(
      [1, 2].map((n) => ledger.reverseTransaction({ idempotencyKey: `r${n}`, transactionId: original }, ctx)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    // The rule about the transaction comes first, as it does one by one — not "insufficient funds".
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'TRANSACTION_ALREADY_REVERSED' },
    });
    expect((await logState(database.db)).events).toBe(before + 2);
    expect((await getAccounts(database.db, ['assets:a'])).get('assets:a')!.balance).toBe('0.00');
  });

  it('runs the group again one by one when a command fails unexpectedly, so only that one fails', async () => {
    const { database } = await fresh();
    const ledger = await setUp(database);
    // A real fault of the database for one row: a trigger refuses the transaction described "boom".
    if (database.dialect === 'sqlite') {
      await sql`CREATE TRIGGER boom BEFORE INSERT ON transactions WHEN NEW.description = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`.execute(
        database.db,
      );
    } else {
      await sql`CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN IF NEW.description = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`.execute(
        database.db,
      );
      await sql`CREATE TRIGGER boom BEFORE INSERT ON transactions FOR EACH ROW EXECUTE FUNCTION boom()`.execute(
        database.db,
      );
    }
    const before = await logState(database.db);
    const results = await Promise.allSettled(
      ['ok', 'ok', 'boom', 'ok', 'ok'].map((description, i) =>
        transfer(ledger, `u${i}`, 'assets:a', 'equity:c', '1.00', description),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const failure = (results[2] as PromiseRejectedResult).reason;
    expect(failure).not.toBeInstanceOf(LedgerError);
    expect(String(failure)).toMatch(/boom/);
    expect((await logState(database.db)).events).toBe(before.events + 8);
    expect((await getAccounts(database.db, ['assets:a'])).get('assets:a')).toMatchObject({ balance: '4.00' });
    // The failed command left nothing: its key is free, and its retry (without the fault) posts.
    await expect(
      database.db.selectFrom('idempotency').select('key').where('key', '=', 'u2').execute(),
    ).resolves.toEqual([]);
    await expect(transfer(ledger, 'u2', 'assets:a', 'equity:c', '1.00', 'fine')).resolves.toMatch(/^[0-9a-f-]{36}$/);
    expect((await rebuildReadModels(database, { apply: false })).differences).toEqual([]);
  });

  it('puts at most maxBatch commands in one transaction', async () => {
    const { database } = await fresh();
    const ledger = await setUp(database, { groupCommit: { maxBatch: 4 } });
    const before = ledger.committer.stats.groups;
    await Promise.all(Array.from({ length: 20 }, (_, i) => transfer(ledger, `m${i}`, 'assets:a', 'equity:c')));
    expect(ledger.committer.stats.largest).toBe(4);
    expect(ledger.committer.stats.groups - before).toBe(5);
  });

  it('waits up to maxWaitMs for company when idle, and not at all by default', async () => {
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const { database } = await fresh();
    const eager = await setUp(database);
    const waiting = new Ledger(database, { groupCommit: { maxWaitMs: 400 } });
    for (const [i, ledger] of [waiting, eager].entries()) {
      const before = ledger.committer.stats.groups;
      const first = transfer(ledger, `w${i}a`, 'assets:a', 'equity:c');
      await pause(50);
      await Promise.all([first, transfer(ledger, `w${i}b`, 'assets:a', 'equity:c')]);
      expect(ledger.committer.stats.groups - before).toBe(ledger === waiting ? 1 : 2);
    }
  });
});

describe('pipelined group commit', () => {
  it('decides group n+1 while group n commits, and its results equal one by one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 30 }), fc.boolean(), async (commands, cold) => {
        // Groups of 3: a burst of commands becomes a chain of groups, each decided during its predecessor's commit.
        const p = await sameAsOneByOne(commands, { maxBatch: 3 }, { cold });
        // A cold ledger decides its first group classic (nothing cached vouches for the state);
        // every group after it is pipelined. (Commands refused while planning never queue.)
        if (p.committer.stats.commands > 3) expect(p.committer.stats.pipelined).toBeGreaterThan(0);
      }),
      { numRuns: 10 },
    );
  });

  it('decides group n+1 again when group n fails at its commit: nothing is acknowledged on a state that did not commit', async () => {
    const { database } = await fresh();
    const ledger = await setUp(database, { groupCommit: { maxBatch: 2 } });
    await transfer(ledger, 'fund', 'assets:a', 'equity:c', '3.00');
    if (database.dialect === 'sqlite') {
      await sql`CREATE TRIGGER boom BEFORE INSERT ON transactions WHEN NEW.description = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`.execute(
        database.db,
      );
    } else {
      await sql`CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN IF NEW.description = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`.execute(
        database.db,
      );
      await sql`CREATE TRIGGER boom BEFORE INSERT ON transactions FOR EACH ROW EXECUTE FUNCTION boom()`.execute(
        database.db,
      );
    }
    // Every write transaction waits at its start until released: group n is held there.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const write = database.write.bind(database);
    (database as { write: Database['write'] }).write = (work) =>
      write(async (trx) => {
        await gate;
        return work(trx);
      });
    // Group n: 'boom' spends 3.00 of assets:a, then fails at its commit. Group n+1, decided while n
    // is held at its commit, sees only 0.00 left and would refuse 'spend'; decided again after n
    // failed, it finds the 3.00 and posts.
    const first = [
      transfer(ledger, 'boom', 'equity:c', 'assets:a', '3.00', 'boom'),
      transfer(ledger, 'other', 'assets:b', 'equity:c', '1.00'),
    ];
    const acknowledged: string[] = [];
    const second = [
      transfer(ledger, 'spend', 'equity:c', 'assets:a', '3.00').then((id) => {
        acknowledged.push('spend');
        return id;
      }),
    ];
    const results = Promise.allSettled([...first, ...second]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(acknowledged).toEqual([]);
    release();
    const settled = await results;
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(/boom/);
    expect(ledger.committer.stats.redecided).toBeGreaterThan(0);
    expect((await getAccounts(database.db, ['assets:a'])).get('assets:a')).toMatchObject({ balance: '0.00' });
    expect((await rebuildReadModels(database, { apply: false })).differences).toEqual([]);
  });

  it('decides group n and the one decided on top again when another writer commits under them', async () => {
    const { database } = await fresh();
    const ledger = await setUp(database, { groupCommit: { maxBatch: 1 } });
    await ledger.openAccount({ code: 'assets:d', name: 'D', type: 'ASSET', currency: 'USD' }, ctx);
    await ledger.openAccount({ code: 'equity:e', name: 'E', type: 'EQUITY', currency: 'USD' }, ctx);
    await transfer(ledger, 'fund', 'assets:a', 'equity:c', '5.00');
    // Another process on the same database.
    const other = new Ledger(database);
    // The ledger's next write waits before its transaction begins, until released.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let hold = true;
    const write = database.write.bind(database);
    (database as { write: Database['write'] }).write = (work, options) => {
      if (!hold) return write(work, options);
      hold = false;
      return gate.then(() => write(work, options));
    };
    // Group n is decided and held; group n+1, on accounts n does not touch, is decided on top of it.
    const n = transfer(ledger, 'n', 'assets:b', 'assets:a', '2.00');
    const onTop = transfer(ledger, 'on-top', 'assets:d', 'equity:e', '1.00');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The other writer commits: group n finds the log moved and both groups are decided again.
    await transfer(other, 'foreign', 'assets:a', 'equity:c', '1.00');
    release();
    await Promise.all([n, onTop]);
    expect(ledger.committer.stats.redecided).toBeGreaterThan(0);
    // Group n+1's first decision moved assets:d and equity:e on in memory: had the cache kept it,
    // its second decision would have posted on top of a posting that never committed.
    const accounts = await getAccounts(database.db, ['assets:a', 'assets:d', 'equity:e']);
    expect(accounts.get('assets:a')).toMatchObject({ balance: '4.00' });
    expect(accounts.get('assets:d')).toMatchObject({ balance: '1.00', version: 2 });
    expect(accounts.get('equity:e')).toMatchObject({ balance: '1.00', version: 2 });
    expect((await rebuildReadModels(database, { apply: false })).differences).toEqual([]);
  });
});

/** Each command's outcome, comparable across databases: its error code, or which command's id it got. */
function outcomes(results: PromiseSettledResult<string>[]): string[] {
  const firstIndexOf = new Map<string, number>();
  return results.map((result, i) => {
    if (result.status === 'rejected')
      return `error ${(result.reason as { code?: string }).code ?? String(result.reason)}`;
    if (!firstIndexOf.has(result.value)) firstIndexOf.set(result.value, i);
    return `id of #${firstIndexOf.get(result.value)}`;
  });
}
