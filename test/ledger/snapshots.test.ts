/** Snapshots: taken by policy in the append transaction, loaded with the tail, versioned, rebuildable. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_STATE_VERSION, encodeState } from '../../src/domain/account-state.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { loadAccount } from '../../src/ledger/load.js';
import { rebuildSnapshots } from '../../src/projections/snapshot-rebuild.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'snapshots' };
let temp: TempDatabase;
let ledger: Ledger;

beforeEach(async () => {
  temp = await tempDatabase();
  ledger = new Ledger(temp.database, { policy: { snapshotEvery: 3 } });
  await ledger.openAccount({ code: 'assets:a', name: 'A', type: 'ASSET', currency: 'USD' }, ctx);
  await ledger.openAccount({ code: 'equity:b', name: 'B', type: 'EQUITY', currency: 'USD' }, ctx);
  for (let i = 0; i < 10; i++) {
    await ledger.transfer(
      { idempotencyKey: `k${i}`, debitAccount: 'assets:a', creditAccount: 'equity:b', amount: '1.25' },
      ctx,
    );
  }
});
afterEach(() => temp.dispose());

const snapshotVersions = async () =>
  (
    await temp.database.db
      .selectFrom('snapshots')
      .select(['stream_id', 'version', 'state_version'])
      .orderBy('stream_id')
      .orderBy('version')
      .execute()
  ).map(
    (r) =>
      `${r.stream_id}@${r.version}/${r.state_version === ACCOUNT_STATE_VERSION ? 'current' : `s${r.state_version}`}`,
  );

describe('snapshots', () => {
  it('are taken every N events of a stream, at the current state version', async () => {
    expect(await snapshotVersions()).toEqual([
      'account:assets:a@3/current',
      'account:assets:a@6/current',
      'account:assets:a@9/current',
      'account:equity:b@3/current',
      'account:equity:b@6/current',
      'account:equity:b@9/current',
    ]);
  });

  it('are loaded with the tail, giving the state of a full replay', async () => {
    const full = await loadAccount(temp.database.db, 'assets:a', { useSnapshots: false });
    expect(encodeState(await loadAccount(temp.database.db, 'assets:a'))).toEqual(encodeState(full));
    expect(full).toMatchObject({ version: 11 });
    // Proof the snapshot is what the loader starts from: a (hand-forged) snapshot changes the answer.
    const forged = { ...encodeState(full), version: 9, debits: '999' };
    await temp.database.db
      .updateTable('snapshots')
      .set({ state: JSON.stringify(forged) })
      .where('stream_id', '=', 'account:assets:a')
      .where('version', '=', 9)
      .execute();
    expect(encodeState(await loadAccount(temp.database.db, 'assets:a'))).toMatchObject({
      version: 11,
      debits: '1001.5',
    }); // 999 + two tail events of 1.25;
  });

  it('of another state version are ignored, and new ones are taken at the current version', async () => {
    await temp.database.db.deleteFrom('snapshots').execute();
    await temp.database.db
      .insertInto('snapshots')
      // A snapshot of a state shape this build does not know (a newer or older release's).
      .values({
        stream_id: 'account:assets:a',
        state_version: ACCOUNT_STATE_VERSION + 1,
        version: 11,
        position: 0,
        state: '{"shape":"unknown"}',
      })
      .execute();
    const full = await loadAccount(temp.database.db, 'assets:a', { useSnapshots: false });
    expect(encodeState(await loadAccount(temp.database.db, 'assets:a'))).toEqual(encodeState(full));
    await ledger.transfer(
      { idempotencyKey: 'k-next', debitAccount: 'assets:a', creditAccount: 'equity:b', amount: '1.25' },
      ctx,
    );
    expect(await snapshotVersions()).toEqual([
      `account:assets:a@11/s${ACCOUNT_STATE_VERSION + 1}`,
      'account:assets:a@12/current',
      'account:equity:b@12/current',
    ]);
  });

  it('are rebuilt from the log by rebuildSnapshots', async () => {
    await temp.database.db.deleteFrom('snapshots').execute();
    const result = await rebuildSnapshots(temp.database, 5);
    expect(result).toEqual({ eventsReplayed: 22, snapshots: 4 });
    expect((await snapshotVersions()).sort()).toEqual([
      'account:assets:a@10/current',
      'account:assets:a@5/current',
      'account:equity:b@10/current',
      'account:equity:b@5/current',
    ]);
    expect(encodeState(await loadAccount(temp.database.db, 'equity:b'))).toEqual(
      encodeState(await loadAccount(temp.database.db, 'equity:b', { useSnapshots: false })),
    );
  });
});
