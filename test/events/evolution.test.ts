/**
 * Real schema evolution: a log holding every old version decodes, and everything derived
 * from it — state, read models after rebuild, GraphQL answers — is identical to the same
 * history written at the current versions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeState } from '../../src/domain/account-state.js';
import { CATALOGUE, currentVersion } from '../../src/events/catalogue.js';
import { GENESIS_HASH, chainHash } from '../../src/events/envelope.js';
import { accountCodeOf, isAccountStream } from '../../src/events/streams.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { loadAccount } from '../../src/ledger/load.js';
import { silentLogger } from '../../src/log.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { verifyEvents } from '../../src/reports/event-verification.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { atCurrentVersions, legacyRows, seedRaw } from '../support/legacy.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const legacy = legacyRows();
/** Both servers get the same auditor key: the query reads event metadata. */
const KEY = 'evolution-test-key-0123456789abcdefghijklmnop';
const current = atCurrentVersions(legacy);
const codes = [...new Set(legacy.filter((r) => isAccountStream(r.streamId)).map((r) => accountCodeOf(r.streamId)))];

describe('the legacy fixture', () => {
  it('holds every old version of every event type, and current ones too', () => {
    for (const [type, versions] of Object.entries(CATALOGUE)) {
      for (let v = 1; v <= versions.length; v++) {
        expect(
          legacy.some((r) => r.type === type && r.schemaVersion === v),
          `${type} v${v}`,
        ).toBe(true);
      }
    }
    expect(currentVersion('AccountOpened')).toBeGreaterThanOrEqual(3);
    expect(currentVersion('TransactionPosted')).toBeGreaterThanOrEqual(4);
  });

  it('is a genuine stored log: gap-free positions and an intact hash chain', () => {
    let previous = GENESIS_HASH;
    legacy.forEach((row, i) => {
      expect(row.position).toBe(i + 1);
      const { hash, ...rest } = row;
      expect(hash).toBe(chainHash(previous, rest));
      previous = hash;
    });
  });
});

describe('a log of every version against the same history at current versions', () => {
  let old: TempDatabase;
  let now: TempDatabase;
  let oldServer: RunningServer;
  let nowServer: RunningServer;

  beforeAll(async () => {
    old = await tempDatabase();
    now = await tempDatabase();
    await seedRaw(old.database, legacy);
    await seedRaw(now.database, current);
    // Read models are derived: build them from each log.
    await rebuildReadModels(old.database);
    await rebuildReadModels(now.database);
    for (const database of [old.database, now.database]) {
      await createApiKey(database, {
        name: 'auditor',
        role: 'auditor',
        createdBy: 'test',
        now: new Date().toISOString(),
        secret: KEY,
      });
    }
    // The cost budget off, as in test/support/server.ts: this suite sends heavy reads back to back.
    oldServer = await startServer({
      ledger: new Ledger(old.database),
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      rateLimit: { perSecond: 0, burst: 1 },
    });
    nowServer = await startServer({
      ledger: new Ledger(now.database),
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      rateLimit: { perSecond: 0, burst: 1 },
    });
  });
  afterAll(async () => {
    await oldServer.close();
    await nowServer.close();
    await old.dispose();
    await now.dispose();
  });

  it('replays every account to the same state', async () => {
    for (const code of codes) {
      const a = encodeState(await loadAccount(old.database.db, code));
      const b = encodeState(await loadAccount(now.database.db, code));
      expect(a).toEqual(b);
      expect(a.exists).toBe(true);
    }
  });

  it('builds identical read models', async () => {
    for (const table of ['accounts', 'transactions', 'entries', 'categories', 'category_memberships'] as const) {
      const a = await old.database.db.selectFrom(table).selectAll().execute();
      const b = await now.database.db.selectFrom(table).selectAll().execute();
      expect(a.length).toBeGreaterThan(0);
      expect(a).toEqual(b);
    }
  });

  it('decodes amounts from minor units exactly', async () => {
    const row = await old.database.db
      .selectFrom('accounts')
      .select(['balance', 'debits'])
      .where('code', 'in', ['assets:bank', 'assets:btc', 'assets:yen'])
      .orderBy('code')
      .execute();
    // bank: 1000.00 + 19.99 - 250.00 + 40.00; btc: 150000001 satoshi; yen: 5000
    expect(row).toEqual([
      { balance: '809.99', debits: '1059.99' },
      { balance: '1.50000001', debits: '1.50000001' },
      { balance: '5000', debits: '5000' },
    ]);
  });

  it('gives identical GraphQL answers, except the stored schemaVersion and hash', async () => {
    // Pages of 20 entries: each carries its transaction's legs, counted at 100, and 50 would cost more than 20,000.
    const query = `query($code: String!) { account(code: $code) {
      code name type currency status version minimumBalance metadata openedAt
      balance { posted { amount currency } version }
      past: balance(asOf: "2024-12-31T23:59:59.999Z") { posted { amount } version }
      entries(first: 20) { edges { cursor node { direction amount { amount currency } effectiveAt recordedAt
        transaction { id description metadata idempotencyKey effectiveAt recordedAt entries { account { code } direction amount { amount currency } } } } } }
      events(first: 50) { edges { node { position version type schemaVersion hash data metadata { actor command requestId } recordedAt effectiveAt transactionId } } }
    } }`;
    const ask = async (server: RunningServer, code: string) => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ query, variables: { code } }),
      });
      const body = await res.json();
      expect(body.errors).toBeUndefined();
      return body.data.account;
    };
    for (const code of codes) {
      const a = await ask(oldServer, code);
      const b = await ask(nowServer, code);
      const stored = (x: any) => x.events.edges.map((e: any) => [e.node.schemaVersion, e.node.hash]);
      const strip = (x: any) => ({
        ...x,
        events: x.events.edges.map(({ node: { schemaVersion, hash, ...rest } }: any) => rest),
      });
      expect(strip(a)).toEqual(strip(b));
      // GraphQL shows the version each event was stored at, beside the upcast data.
      expect(stored(a).map((s: any) => s[0])).toEqual(
        legacy.filter((r) => r.streamId === `account:${code}`).map((r) => r.schemaVersion),
      );
      expect(b.events.edges.map((e: any) => e.node.schemaVersion)).toEqual(
        b.events.edges.map((e: any) => currentVersion(e.node.type)),
      );
    }
  });

  it('verifies every stored version with counts per type and version', async () => {
    const result = await verifyEvents(old.database.db, 4);
    expect(result).toMatchObject({ ok: true, eventsChecked: legacy.length, firstBad: null });
    expect(result.counts).toEqual({
      'AccountOpened v1': 5,
      'AccountOpened v2': 4,
      'AccountOpened v3': 8,
      'TransactionPosted v1': 8,
      'TransactionPosted v2': 6,
      'TransactionPosted v3': 2,
      'TransactionPosted v4': 4,
      'AccountClosed v1': 1,
      'AccountFrozen v1': 1,
      'AccountUnfrozen v1': 1,
      'AccountUpdated v1': 1,
      'MinimumBalanceChanged v1': 1,
      'MaximumBalanceChanged v1': 2,
      'PeriodClosed v1': 1,
      'PeriodReopened v1': 1,
      'HoldPlaced v1': 10,
      'HoldCommitted v1': 2,
      'HoldCommitted v2': 6,
      'HoldAdjusted v1': 2,
      'HoldExpired v1': 2,
      'HoldVoided v1': 2,
      'HoldVoided v2': 2,
      'TransactionMetadataUpdated v1': 2,
      'CategoryCreated v1': 2,
      'CategoryMemberAdded v1': 3,
      'CategoryMemberRemoved v1': 1,
      'PriceSet v1': 1,
    });
  });

  it('lets the current ledger keep writing to accounts opened by v1 writers', async () => {
    const ledger = new Ledger(old.database);
    const ctx = { actor: 'test', requestId: 'evolution' };
    await ledger.transfer(
      {
        idempotencyKey: 'after-upgrade',
        debitAccount: 'liabilities:customers:1',
        creditAccount: 'assets:bank',
        amount: '40.00',
      },
      ctx,
    );
    const state = await loadAccount(old.database.db, 'assets:bank');
    expect(encodeState(state)).toMatchObject({ version: 6, debits: '1059.99', credits: '290' });
    // Overdraft below the v3 minimumBalance is still refused.
    await expect(
      ledger.transfer(
        {
          idempotencyKey: 'too-much',
          debitAccount: 'liabilities:customers:1',
          creditAccount: 'assets:bank',
          amount: '0.01',
        },
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    const verified = await verifyEvents(old.database.db);
    expect(verified.ok).toBe(true);
    // The fixture's six v2 events stay v2 and its reversal v3; its exchange and the new transfer are v4.
    expect(verified.counts['TransactionPosted v2']).toBe(6);
    expect(verified.counts['TransactionPosted v3']).toBe(2);
    expect(verified.counts['TransactionPosted v4']).toBe(6);
    expect((await rebuildReadModels(old.database, { apply: false })).differences).toEqual([]);
  });
});
