/**
 * What makes "effective at T, as known at K" cheap (docs/api.md, "How as-of answers stay fast").
 *
 * A posting is *on time* when it is effective no earlier than the account's previous on-time
 * posting and no later than its own recording; otherwise it is *late* (backdated, or dated
 * ahead). On-time postings are ordered the same way by effective time and by log position,
 * so those effective by T are a prefix of the log: running sums every N events
 * (balance_epochs) answer them. Late postings are summed over a binary tree of effective time
 * (late_sums, see dyadic-time.ts), a new row per node each time one lands, so any prefix of
 * effective time as known at any position is 49 lookups. Keeping dated-ahead postings out of
 * the chain matters: one would otherwise make every posting of the next minutes late.
 * Both are written in the append transaction and never rewritten.
 */
import { sql } from 'kysely';
import { postedLegs, type AccountEvent, type OpenedAccount } from '../domain/account.js';
import { Amount, ZERO, formatAmount } from '../domain/money.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Db } from '../store/db.js';
import { ancestors, type Node } from './dyadic-time.js';

/** Events per epoch: the most an as-of query replays after its running sum. */
export const DEFAULT_EPOCH_EVERY = 64;

export interface Sums {
  debits: Amount;
  credits: Amount;
}

/** The sums one event posts to one account. */
export function postingOf(code: string, event: AccountEvent): Sums | null {
  const legs = postedLegs(event);
  if (legs === null) return null;
  let debits = ZERO;
  let credits = ZERO;
  for (const leg of legs) {
    if (leg.account !== code) continue;
    if (leg.direction === 'DEBIT') debits = debits.plus(leg.amount);
    else credits = credits.plus(leg.amount);
  }
  return { debits, credits };
}

/** The effective time of each account's newest on-time posting: what the next one must not precede. */
export class OnTimeFrontiers {
  private readonly frontiers = new Map<string, string | null>();

  /** Loads the frontiers of these accounts as stored (call before classifying their postings). */
  async load(db: Db, codes: Iterable<string>, options: { parallel?: boolean } = {}): Promise<void> {
    const missing = [...new Set(codes)].filter((code) => !this.frontiers.has(code));
    const read = (code: string) =>
      db
        .selectFrom('entries')
        .select('effective_at')
        .where('account_code', '=', code)
        .where('late', '=', 0)
        .orderBy('position', 'desc')
        .limit(1)
        .executeTakeFirst();
    // Side by side (through a pool): a group's first touch of many accounts costs one wait, not one each.
    const rows = options.parallel ? await Promise.all(missing.map(read)) : [];
    if (!options.parallel) for (const code of missing) rows.push(await read(code));
    missing.forEach((code, i) => {
      // A frontier classified meanwhile is newer than what was read.
      if (!this.frontiers.has(code)) this.frontiers.set(code, rows[i]?.effective_at ?? null);
    });
  }

  /** Forgets an account's frontier (another writer moved it): the next load reads it again. */
  forget(code: string): void {
    this.frontiers.delete(code);
  }

  /** Whether this posting is late, advancing the frontier when it is on time. */
  classify(code: string, effectiveAt: string, recordedAt: string): boolean {
    const frontier = this.frontiers.get(code);
    if (frontier === undefined) throw new Error(`invariant: frontier of ${code} not loaded`);
    const late = (frontier !== null && effectiveAt < frontier) || effectiveAt > recordedAt;
    if (!late) this.frontiers.set(code, effectiveAt);
    return late;
  }
}

/** Inside the append transaction, after the entries are written. */
export async function indexForAsOf(
  trx: Db,
  stored: StoredEvent,
  event: AccountEvent,
  state: OpenedAccount,
  late: boolean,
  every: number,
): Promise<void> {
  const posting = postingOf(state.code, event);
  if (posting && late) await addLate(trx, state, stored, posting);
  if (stored.version % every === 0) await closeEpoch(trx, state, stored);
}

async function addLate(trx: Db, state: OpenedAccount, stored: StoredEvent, posting: Sums): Promise<void> {
  const nodes = ancestors(stored.effectiveAt);
  const previous = await latestSums(trx, state.code, nodes, stored.position);
  const scale = state.currency.scale;
  await trx
    .insertInto('late_sums')
    .values(
      nodes.map((n) => {
        const before = previous.get(`${n.level}/${n.node}`) ?? { debits: ZERO, credits: ZERO };
        return {
          account_code: state.code,
          level: n.level,
          node: n.node,
          position: stored.position,
          debits: formatAmount(before.debits.plus(posting.debits), scale),
          credits: formatAmount(before.credits.plus(posting.credits), scale),
        };
      }),
    )
    .execute();
}

/** The newest sum of each node as known at `position`, in one statement. */
export async function latestSums(db: Db, code: string, nodes: Node[], position: number): Promise<Map<string, Sums>> {
  if (nodes.length === 0) return new Map();
  const parts = nodes.map(
    (n) =>
      sql`SELECT * FROM (SELECT level, node, debits, credits FROM late_sums WHERE account_code = ${code} AND level = ${n.level} AND node = ${n.node} AND position <= ${position} ORDER BY position DESC LIMIT 1) AS latest`,
  );
  const { rows } = await sql<{
    level: number;
    node: number;
    debits: string;
    credits: string;
  }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  return new Map(
    rows.map((r) => [`${r.level}/${r.node}`, { debits: new Amount(r.debits), credits: new Amount(r.credits) }]),
  );
}

async function closeEpoch(trx: Db, state: OpenedAccount, stored: StoredEvent): Promise<void> {
  const previous = await trx
    .selectFrom('balance_epochs')
    .select(['position', 'on_time_debits', 'on_time_credits'])
    .where('account_code', '=', state.code)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  const entries = await trx
    .selectFrom('entries')
    .select(['direction', 'amount', 'late'])
    .where('account_code', '=', state.code)
    .where('position', '>', Number(previous?.position ?? 0))
    .where('position', '<=', stored.position)
    .execute();
  let debits = new Amount(previous?.on_time_debits ?? 0);
  let credits = new Amount(previous?.on_time_credits ?? 0);
  for (const entry of entries) {
    if (Number(entry.late) === 1) continue;
    if (entry.direction === 'DEBIT') debits = debits.plus(entry.amount);
    else credits = credits.plus(entry.amount);
  }
  await trx
    .insertInto('balance_epochs')
    .values({
      account_code: state.code,
      version: stored.version,
      position: stored.position,
      recorded_at: stored.recordedAt,
      on_time_debits: formatAmount(debits, state.currency.scale),
      on_time_credits: formatAmount(credits, state.currency.scale),
    })
    .execute();
}
