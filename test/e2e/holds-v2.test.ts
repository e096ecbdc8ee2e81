/**
 * Holds v2 over GraphQL (issue 20, point 4): adjustPending raises (checked) and lowers (releases)
 * a hold; commitPending captures in several parts (final: false) and leg by leg; expiry is an
 * event appended by the sweeper, exactly once with two sweepers on two connections, seen by the
 * live feed and the audit trail, after which the account can close. Every refusal is typed and
 * writes nothing (event count and head hash unchanged).
 */
import { createClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoldSweeper, SWEEPER_ACTOR } from '../../src/ledger/hold-sweeper.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { loadAccount } from '../../src/ledger/load.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { alertReader } from '../support/alerts.js';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);
const reader = alertReader(() => server);
let seq = 0;
const TX =
  '__typename ... on Error { code message } ... on Transaction { id idempotencyKey status expiresAt entries { account { code } direction amount { amount } } }';
const TX_FIELDS = 'id status entries { account { code } direction amount { amount } }';
const ERR = `${TX} ... on HoldNotPending { holdStatus: status } ... on HoldExpired { expiredAt: expiresAt } ... on InsufficientFunds { available requested } ... on ValidationError { field } ... on UnbalancedTransaction { imbalances { currency debit credit } }`;

const WALLET = 'liabilities:wallet';
const BANK = 'assets:bank';
const FEES = 'revenue:fees';

/** A hold of `amount` out of the wallet (into the bank), or of any legs. */
const hold = (amount: string, extra: Record<string, unknown> = {}) =>
  api.hold(
    {
      idempotencyKey: `h${++seq}`,
      entries: [
        { account: WALLET, direction: 'DEBIT', amount },
        { account: BANK, direction: 'CREDIT', amount },
      ],
      ...extra,
    },
    TX,
  );
const capture = (transactionId: string, extra: Record<string, unknown> = {}) =>
  api.commitPending({ idempotencyKey: `c${++seq}`, transactionId, ...extra }, ERR);
const adjust = (transactionId: string, extra: Record<string, unknown>) =>
  api.adjustPending({ transactionId, ...extra }, ERR);
const flat = (b: any) => [b.posted.amount, b.pending.amount, b.available.amount];
const wallet = async () => flat(await api.balance(WALLET));
const amounts = (tx: any) => tx.entries.map((e: any) => `${e.account.code} ${e.direction} ${e.amount.amount}`);
/** Runs `refused`, expects its answer, and that nothing was written. */
async function refusedWithNothingWritten(refused: () => Promise<any>, expected: Record<string, unknown>) {
  const before = await logState(server.database.db);
  const answer = await refused();
  expect(answer, JSON.stringify(answer)).toMatchObject(expected);
  expect(await logState(server.database.db)).toEqual(before);
}
const eventsOf = async (transactionId: string, type: string) =>
  server.database.db
    .selectFrom('events')
    .selectAll()
    .where('transaction_id', '=', transactionId)
    .where('type', '=', type)
    .orderBy('position')
    .execute();
const waitUntil = (iso: string) => new Promise((resolve) => setTimeout(resolve, Date.parse(iso) - Date.now() + 20));

beforeAll(async () => {
  // The background sweeper is off: each test sweeps when it means to (one test starts its own).
  server = await startTestServer({}, undefined, { holdSweepMs: 0 });
  await api.openAccounts([
    { code: BANK, type: 'ASSET', minimumBalance: null },
    { code: WALLET, type: 'LIABILITY', minimumBalance: '0' },
    { code: FEES, type: 'REVENUE', minimumBalance: null },
  ]);
  await api.transfer({ idempotencyKey: 'fund', debitAccount: BANK, creditAccount: WALLET, amount: '100.00' });
});
afterAll(async () => {
  reader.dispose();
  await server.close();
});

describe('adjustPending', () => {
  it('raises a hold within what is available, refuses a raise beyond it, and a lowering releases the difference', async () => {
    const h = await hold('30.00');
    expect(await wallet()).toEqual(['100.00', '30.00', '70.00']);
    const raised = await adjust(h.id, { amount: '50.00' });
    expect(raised).toMatchObject({ __typename: 'Transaction', status: 'PENDING' });
    expect(amounts(raised)).toEqual([`${WALLET} DEBIT 50.00`, `${BANK} CREDIT 50.00`]);
    expect(await wallet()).toEqual(['100.00', '50.00', '50.00']);
    // The hold's own reservation is not counted against its raise: 100.00 is the most it can hold.
    await refusedWithNothingWritten(() => adjust(h.id, { amount: '100.01' }), {
      __typename: 'InsufficientFunds',
      available: '100.00',
      requested: '100.01',
    });
    const lowered = await adjust(h.id, { amount: '12.50' });
    expect(amounts(lowered)).toEqual([`${WALLET} DEBIT 12.50`, `${BANK} CREDIT 12.50`]);
    expect(await wallet()).toEqual(['100.00', '12.50', '87.50']);
    // The same amount again changes nothing.
    await refusedWithNothingWritten(() => adjust(h.id, { amount: '12.50' }), { __typename: 'Transaction' });
    const trail = await api.auditTrail({ transaction: h.id }, 'type data metadata { command }');
    expect(trail.map((e) => e.type)).toEqual(['HoldPlaced', 'HoldPlaced', ...Array(4).fill('HoldAdjusted')]);
    expect(trail[2]).toMatchObject({ metadata: { command: 'adjustPending' } });
    expect(await api.voidPending(h.id, TX)).toMatchObject({ status: 'VOIDED' });
    expect(await wallet()).toEqual(['100.00', '0.00', '100.00']);
  });

  it('keeps the transaction as its accounts hold it when adjustments alike share a group commit', async () => {
    const h = await hold('2.00');
    const ctx = { actor: 'test', requestId: 'adjust-group' };
    // Raised, lowered and raised again at once: the first and the last write the same event.
    const asked = ['3.00', '2.00', '3.00', '2.00', '3.00'];
    await Promise.all(asked.map((amount) => server.ledger.adjustPending({ transactionId: h.id, amount }, ctx)));
    const state = await loadAccount(server.database.db, WALLET);
    const held = state.exists ? state.holds[h.id]!.legs[0]!.amount : null;
    expect(amounts(await api.transaction(h.id, TX_FIELDS))).toEqual([
      `${WALLET} DEBIT ${held}`,
      `${BANK} CREDIT ${held}`,
    ]);
    expect((await rebuildReadModels(server.database, { apply: false })).differences).toEqual([]);
    await api.voidPending(h.id);
  });

  it('refuses bad amounts with typed errors and writes nothing', async () => {
    const h = await hold('10.00');
    await refusedWithNothingWritten(() => adjust(h.id, { amount: '10.001' }), { __typename: 'InvalidAmount' });
    await refusedWithNothingWritten(() => adjust(h.id, { amount: '0' }), { __typename: 'InvalidAmount' });
    await refusedWithNothingWritten(() => adjust(h.id, {}), { __typename: 'ValidationError', field: 'amount' });
    await refusedWithNothingWritten(
      () => adjust(h.id, { amount: '5.00', legs: [{ account: WALLET, amount: '5.00' }] }),
      { __typename: 'ValidationError', field: 'legs' },
    );
    await refusedWithNothingWritten(() => adjust('01900000-0000-7000-8000-000000000000', { amount: '1.00' }), {
      __typename: 'TransactionNotFound',
    });
    await refusedWithNothingWritten(() => adjust('nope', { amount: '1.00' }), { __typename: 'ValidationError' });
    await api.voidPending(h.id);
  });

  it('refuses a committed, a voided and an expired hold', async () => {
    const committed = await hold('1.00');
    await capture(committed.id);
    await api.transfer({ idempotencyKey: 'refund', debitAccount: BANK, creditAccount: WALLET, amount: '1.00' });
    await refusedWithNothingWritten(() => adjust(committed.id, { amount: '2.00' }), {
      __typename: 'HoldNotPending',
      holdStatus: 'posted',
    });
    const voided = await hold('1.00');
    await api.voidPending(voided.id);
    await refusedWithNothingWritten(() => adjust(voided.id, { amount: '2.00' }), {
      __typename: 'HoldNotPending',
      holdStatus: 'voided',
    });
    const expiring = await hold('1.00', { expiresAt: new Date(Date.now() + 400).toISOString() });
    await waitUntil(expiring.expiresAt);
    // Past its expiry, before a sweep recorded it, and after.
    await refusedWithNothingWritten(() => adjust(expiring.id, { amount: '0.50' }), {
      __typename: 'HoldExpired',
      expiredAt: expiring.expiresAt,
    });
    await new HoldSweeper(server.ledger).sweep();
    await refusedWithNothingWritten(() => adjust(expiring.id, { amount: '0.50' }), {
      __typename: 'HoldExpired',
      expiredAt: expiring.expiresAt,
    });
  });
});

describe('commitPending in several captures', () => {
  it('captures in parts until a final one: committed + released = held', async () => {
    const h = await hold('60.00');
    const first = await capture(h.id, { amount: '10.00', final: false });
    // Still pending: it shows what it still holds, and reserves it.
    expect(first).toMatchObject({ __typename: 'Transaction', id: h.id, status: 'PENDING' });
    expect(amounts(first)).toEqual([`${WALLET} DEBIT 50.00`, `${BANK} CREDIT 50.00`]);
    expect(await wallet()).toEqual(['90.00', '50.00', '40.00']);
    const afterFirst = (await server.ledger.store.head())!.position;
    const key = `c${seq + 1}`;
    await capture(h.id, { amount: '20.00', final: false });
    expect(await wallet()).toEqual(['70.00', '30.00', '40.00']);
    // A retry of a capture is its first answer, not a second capture.
    const retry = await api.commitPending(
      { idempotencyKey: key, transactionId: h.id, amount: '20.00', final: false },
      '__typename ... on Transaction { id }',
    );
    expect(retry).toEqual({ __typename: 'Transaction', id: h.id });
    expect(await wallet()).toEqual(['70.00', '30.00', '40.00']);
    // More than it still holds is refused.
    await refusedWithNothingWritten(() => capture(h.id, { amount: '30.01', final: false }), {
      __typename: 'InvalidAmount',
    });
    const last = await capture(h.id, { amount: '15.00' });
    // Posted: its legs are everything its captures posted.
    expect(last).toMatchObject({ status: 'POSTED' });
    expect(amounts(last)).toEqual([`${WALLET} DEBIT 45.00`, `${BANK} CREDIT 45.00`]);
    expect(await wallet()).toEqual(['55.00', '0.00', '55.00']);
    const entries = await server.database.db
      .selectFrom('entries')
      .select('amount')
      .where('transaction_id', '=', h.id)
      .where('account_code', '=', WALLET)
      .orderBy('position')
      .execute();
    expect(entries.map((e) => e.amount)).toEqual(['10.00', '20.00', '15.00']);
    const captures = await eventsOf(h.id, 'HoldCommitted');
    const data = captures.map((e) => JSON.parse(e.data));
    expect(data.map((d) => [d.final, d.legs[0].amount, d.captured[0].amount])).toEqual([
      [false, '10.00', '10.00'],
      [false, '10.00', '10.00'],
      [false, '20.00', '30.00'],
      [false, '20.00', '30.00'],
      [true, '15.00', '45.00'],
      [true, '15.00', '45.00'],
    ]);
    // A search pinned to a position sees the hold as it was there: pending, holding 50.00.
    const asOf = async (atPosition: number) =>
      (
        await api.request(
          `query($key: String!, $at: Int) { transactions(filter: { idempotencyKey: $key }, atPosition: $at) {
            edges { node { status entries { account { code } direction amount { amount } } } } } }`,
          { key: h.idempotencyKey, at: atPosition },
        )
      ).transactions.edges[0].node;
    const then = await asOf(afterFirst);
    expect(then.status).toBe('PENDING');
    expect(amounts(then)).toEqual([`${WALLET} DEBIT 50.00`, `${BANK} CREDIT 50.00`]);
    expect(amounts(await asOf(afterFirst + 2))).toEqual([`${WALLET} DEBIT 30.00`, `${BANK} CREDIT 30.00`]);
    const now = await asOf((await server.ledger.store.head())!.position);
    expect(now.status).toBe('POSTED');
    expect(amounts(now)).toEqual([`${WALLET} DEBIT 45.00`, `${BANK} CREDIT 45.00`]);
    // Final after final: the hold is posted.
    await refusedWithNothingWritten(() => capture(h.id, { amount: '1.00' }), {
      __typename: 'HoldNotPending',
      holdStatus: 'posted',
    });
    await refusedWithNothingWritten(() => capture(h.id, { final: false }), {
      __typename: 'HoldNotPending',
      holdStatus: 'posted',
    });
  });

  it('a non-final capture of everything left settles the hold', async () => {
    const h = await hold('5.00');
    await capture(h.id, { amount: '2.00', final: false });
    const rest = await capture(h.id, { final: false });
    expect(rest).toMatchObject({ status: 'POSTED' });
    expect(amounts(rest)).toEqual([`${WALLET} DEBIT 5.00`, `${BANK} CREDIT 5.00`]);
    expect(await wallet()).toEqual(['50.00', '0.00', '50.00']);
  });

  it('a hold captured in part and then voided settles as posted: what its captures posted, and it can be reversed', async () => {
    const h = await hold('10.00');
    await capture(h.id, { amount: '4.00', final: false });
    expect(await wallet()).toEqual(['46.00', '6.00', '40.00']);
    const voided = await api.voidPending(h.id, TX);
    expect(voided).toMatchObject({ __typename: 'Transaction', status: 'POSTED' });
    expect(amounts(voided)).toEqual([`${WALLET} DEBIT 4.00`, `${BANK} CREDIT 4.00`]);
    expect(await wallet()).toEqual(['46.00', '0.00', '46.00']);
    const released = JSON.parse((await eventsOf(h.id, 'HoldVoided'))[0]!.data);
    expect(released.captured.map((l: { amount: string }) => l.amount)).toEqual(['4.00', '4.00']);
    await refusedWithNothingWritten(() => api.voidPending(h.id, `${TX} ... on HoldNotPending { holdStatus: status }`), {
      __typename: 'HoldNotPending',
      holdStatus: 'posted',
    });
    const reversal = await api.reverseTransaction({ idempotencyKey: `r${++seq}`, transactionId: h.id }, TX);
    expect(amounts(reversal)).toEqual([`${WALLET} CREDIT 4.00`, `${BANK} DEBIT 4.00`]);
    expect(await wallet()).toEqual(['50.00', '0.00', '50.00']);
  });

  it('captures a hold of several legs leg by leg, and refuses legs that do not balance or are not the hold’s', async () => {
    // 30.00 out of the wallet: 24.00 to the bank, 6.00 in fees.
    const h = await api.hold(
      {
        idempotencyKey: `h${++seq}`,
        entries: [
          { account: WALLET, direction: 'DEBIT', amount: '30.00' },
          { account: BANK, direction: 'CREDIT', amount: '24.00' },
          { account: FEES, direction: 'CREDIT', amount: '6.00' },
        ],
      },
      TX,
    );
    await refusedWithNothingWritten(() => capture(h.id, { amount: '10.00' }), {
      __typename: 'ValidationError',
      field: 'amount',
    });
    await refusedWithNothingWritten(
      () =>
        capture(h.id, {
          legs: [
            { account: WALLET, amount: '10.00' },
            { account: BANK, amount: '9.00' },
          ],
        }),
      { __typename: 'UnbalancedTransaction', imbalances: [{ currency: 'USD', debit: '10.00', credit: '9.00' }] },
    );
    await refusedWithNothingWritten(
      () =>
        capture(h.id, {
          legs: [
            { account: WALLET, amount: '1.00' },
            { account: 'equity:nope', amount: '1.00' },
          ],
        }),
      { __typename: 'ValidationError', field: 'legs[1].account' },
    );
    await refusedWithNothingWritten(
      () =>
        capture(h.id, {
          legs: [
            { account: WALLET, amount: '31.00' },
            { account: BANK, amount: '31.00' },
          ],
        }),
      { __typename: 'InvalidAmount' },
    );
    await refusedWithNothingWritten(
      () =>
        capture(h.id, {
          legs: [
            { account: WALLET, amount: '1.001' },
            { account: BANK, amount: '1.001' },
          ],
        }),
      { __typename: 'InvalidAmount' },
    );
    const part = await capture(h.id, {
      final: false,
      legs: [
        { account: WALLET, amount: '10.00' },
        { account: BANK, amount: '8.00' },
        { account: FEES, amount: '2.00' },
      ],
    });
    expect(amounts(part)).toEqual([`${WALLET} DEBIT 20.00`, `${BANK} CREDIT 16.00`, `${FEES} CREDIT 4.00`]);
    // Leg by leg adjustment: a leg not named keeps what it holds; the result must balance.
    const raised = await adjust(h.id, {
      legs: [
        { account: WALLET, amount: '25.00' },
        { account: BANK, amount: '21.00' },
      ],
    });
    expect(amounts(raised)).toEqual([`${WALLET} DEBIT 25.00`, `${BANK} CREDIT 21.00`, `${FEES} CREDIT 4.00`]);
    await refusedWithNothingWritten(() => adjust(h.id, { legs: [{ account: WALLET, amount: '26.00' }] }), {
      __typename: 'UnbalancedTransaction',
    });
    // The fees leg captured in full, the hold not settled: its entries leave that leg out, and
    // the commands on the hold still reach its account.
    const feesDone = await capture(h.id, {
      final: false,
      legs: [
        { account: WALLET, amount: '4.00' },
        { account: FEES, amount: '4.00' },
      ],
    });
    expect(amounts(feesDone)).toEqual([`${WALLET} DEBIT 21.00`, `${BANK} CREDIT 21.00`]);
    // Only the wallet and the bank captured: the rest is released, on every account.
    const done = await capture(h.id, {
      legs: [
        { account: WALLET, amount: '5.00' },
        { account: BANK, amount: '5.00' },
      ],
    });
    expect(done).toMatchObject({ status: 'POSTED' });
    expect(amounts(done)).toEqual([`${WALLET} DEBIT 19.00`, `${BANK} CREDIT 13.00`, `${FEES} CREDIT 6.00`]);
    expect(await wallet()).toEqual(['31.00', '0.00', '31.00']);
    expect(
      await server.database.db.selectFrom('holds').selectAll().where('transaction_id', '=', h.id).execute(),
    ).toEqual([]);
    expect((await eventsOf(h.id, 'HoldCommitted')).map((e) => e.stream_id)).toContain('account:revenue:fees');
  });
});

describe('expiry is an event', () => {
  it('the sweeper appends HoldExpired once, effective at expiresAt, seen by the audit trail and the live feed; then the account can close', async () => {
    await api.openAccounts([
      { code: 'liabilities:temp', type: 'LIABILITY', minimumBalance: null },
      { code: 'assets:temp', type: 'ASSET', minimumBalance: null },
    ]);
    const h = await api.hold(
      {
        idempotencyKey: `h${++seq}`,
        entries: [
          { account: 'liabilities:temp', direction: 'DEBIT', amount: '7.00' },
          { account: 'assets:temp', direction: 'CREDIT', amount: '7.00' },
        ],
        expiresAt: new Date(Date.now() + 500).toISOString(),
      },
      TX,
    );
    const sweeper = new HoldSweeper(server.ledger);
    // Not yet due: a sweep writes nothing.
    const before = await logState(server.database.db);
    await sweeper.sweep();
    expect(await logState(server.database.db)).toEqual(before);
    expect(await api.mutate('closeAccount', { code: 'liabilities:temp' })).toMatchObject({
      __typename: 'AccountHasPendingHolds',
    });
    const head = (await server.ledger.store.head())!.position;
    await waitUntil(h.expiresAt);
    // Judged at read time before the sweep; recorded by it.
    expect((await api.transaction(h.id)).status).toBe('EXPIRED');
    expect(await sweeper.sweep()).toContain(h.id);
    expect(await sweeper.sweep()).not.toContain(h.id);
    const expired = await eventsOf(h.id, 'HoldExpired');
    expect(expired.map((e) => e.stream_id)).toEqual(['account:liabilities:temp', 'account:assets:temp']);
    for (const e of expired) {
      expect(e.effective_at).toBe(h.expiresAt);
      expect(e.recorded_at >= h.expiresAt).toBe(true);
      expect(JSON.parse(e.metadata)).toMatchObject({ actor: SWEEPER_ACTOR, command: 'expireHold' });
    }
    const trail = await api.auditTrail({ transaction: h.id }, 'type actor: metadata { actor }');
    expect(trail.map((e) => e.type)).toEqual(['HoldPlaced', 'HoldPlaced', 'HoldExpired', 'HoldExpired']);
    // The live feed sees it, from where the log stood before it.
    const feed = createClient({
      url: server.url,
      headers: { authorization: `Bearer ${server.adminKey}` },
      retryAttempts: 0,
    });
    const seen: string[] = [];
    for await (const result of feed.iterate<{ ledgerEvents: { type: string } }>({
      query: 'subscription($after: Int) { ledgerEvents(afterPosition: $after) { type } }',
      variables: { after: head },
    })) {
      seen.push(result.data!.ledgerEvents.type);
      if (seen.length === 2) break;
    }
    feed.dispose();
    expect(seen).toEqual(['HoldExpired', 'HoldExpired']);
    // Settled: committing is HoldExpired, voiding changes nothing, and the account can close.
    expect(await capture(h.id)).toMatchObject({ __typename: 'HoldExpired', expiredAt: h.expiresAt });
    await refusedWithNothingWritten(() => api.voidPending(h.id, TX), { __typename: 'Transaction', status: 'EXPIRED' });
    expect(await api.balance('liabilities:temp')).toMatchObject({ pending: { amount: '0.00' } });
    expect(
      await api.mutate('closeAccount', { code: 'liabilities:temp' }, '__typename ... on Account { status }'),
    ).toEqual({
      __typename: 'Account',
      status: 'CLOSED',
    });
  });

  it('is recorded exactly once with two sweepers on two connections sweeping at once', async () => {
    const other = new Ledger(server.reopen());
    const expiresAt = new Date(Date.now() + 400).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await hold('0.10', { expiresAt })).id);
    await waitUntil(expiresAt);
    const sweepers = [new HoldSweeper(server.ledger), new HoldSweeper(other)];
    await Promise.all([...sweepers, ...sweepers].map((s) => s.sweep()));
    for (const id of ids) expect((await eventsOf(id, 'HoldExpired')).length, id).toBe(2);
    await Promise.all(sweepers.map((s) => s.sweep()));
    const total = await server.database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('type', '=', 'HoldExpired')
      .where('transaction_id', 'in', ids)
      .executeTakeFirstOrThrow();
    expect(Number(total.n)).toBe(24);
    expect(await wallet()).toEqual(['31.00', '0.00', '31.00']);
    await other.database.close();
  });

  it('a hold captured in part and then expired settles as posted, effective at its expiresAt', async () => {
    const h = await hold('3.00', { expiresAt: new Date(Date.now() + 400).toISOString() });
    await capture(h.id, { amount: '1.00', final: false });
    await waitUntil(h.expiresAt);
    await new HoldSweeper(server.ledger).sweep();
    const settled = await api.transaction(
      h.id,
      'status effectiveAt entries { account { code } direction amount { amount } }',
    );
    expect(settled).toMatchObject({ status: 'POSTED', effectiveAt: h.expiresAt });
    expect(amounts(settled)).toEqual([`${WALLET} DEBIT 1.00`, `${BANK} CREDIT 1.00`]);
    expect(await wallet()).toEqual(['30.00', '0.00', '30.00']);
    await refusedWithNothingWritten(() => capture(h.id), { __typename: 'HoldNotPending', holdStatus: 'posted' });
    await api.reverseTransaction({ idempotencyKey: `r${++seq}`, transactionId: h.id });
    expect(await wallet()).toEqual(['31.00', '0.00', '31.00']);
  });

  it('a balance monitor sees the expiry at the HoldExpired event', async () => {
    await api.openAccounts([{ code: 'liabilities:mon', type: 'LIABILITY', minimumBalance: null }]);
    await api.transfer({
      idempotencyKey: `m${++seq}`,
      debitAccount: BANK,
      creditAccount: 'liabilities:mon',
      amount: '10.00',
    });
    const monitor = await api.mutate(
      'createBalanceMonitor',
      { account: 'liabilities:mon', metric: 'AVAILABLE', comparison: 'LT', amount: '5.00' },
      '... on BalanceMonitor { id holds }',
    );
    expect(monitor.holds).toBe(false);
    const pushed = reader.read(
      'subscription($monitor: String) { balanceAlerts(afterId: 0, monitorId: $monitor) { id monitorId holds figure eventPosition } }',
      { monitor: monitor.id },
      2,
    );
    const h = await api.hold(
      {
        idempotencyKey: `h${++seq}`,
        entries: [
          { account: 'liabilities:mon', direction: 'DEBIT', amount: '8.00' },
          { account: BANK, direction: 'CREDIT', amount: '8.00' },
        ],
        expiresAt: new Date(Date.now() + 400).toISOString(),
      },
      TX,
    );
    await waitUntil(h.expiresAt);
    await new HoldSweeper(server.ledger).sweep();
    const [expiredAt] = await eventsOf(h.id, 'HoldExpired');
    const received = await pushed;
    expect(received.map((a) => [a.holds, a.figure])).toEqual([
      [true, '2.00'],
      [false, '10.00'],
    ]);
    expect(received[1]!.eventPosition).toBe(Number(expiredAt!.position));
  });

  it('runs in the background of a server', async () => {
    const background = await startTestServer({}, undefined, { holdSweepMs: 50 });
    try {
      const bg = ledgerApi(() => background);
      await bg.openAccounts([
        { code: 'assets:a', type: 'ASSET', minimumBalance: null },
        { code: 'equity:b', type: 'EQUITY', minimumBalance: null },
      ]);
      const h = await bg.hold(
        {
          idempotencyKey: 'bg',
          entries: [
            { account: 'assets:a', direction: 'CREDIT', amount: '1.00' },
            { account: 'equity:b', direction: 'DEBIT', amount: '1.00' },
          ],
          expiresAt: new Date(Date.now() + 300).toISOString(),
        },
        '... on Transaction { id }',
      );
      for (let i = 0; i < 100; i++) {
        const rows = await background.database.db
          .selectFrom('events')
          .select('type')
          .where('transaction_id', '=', h.id)
          .where('type', '=', 'HoldExpired')
          .execute();
        if (rows.length === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await bg.transaction(h.id)).status).toBe('EXPIRED');
      expect(await bg.mutate('closeAccount', { code: 'assets:a' })).toMatchObject({ __typename: 'Account' });
    } finally {
      await background.close();
    }
  });
});
