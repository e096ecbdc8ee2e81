/**
 * The reference model of the ledger the property tests and the simulation check the real one
 * against: accounts with their balance bounds, postings (effective and recorded time, for as-of),
 * transactions and their reversals, holds with expiries, idempotency keys and the period lock.
 * Pure and plainly written; money is exact (Amount, a Decimal), never a float. What a command
 * must answer is each test's own reading of the rules, built from the questions this asks
 * (balance, reserved, fits, closed) and applied here when the ledger accepts it.
 */
import type { AccountType, Direction } from '../../src/domain/account.js';
import { Amount, ZERO } from '../../src/domain/money.js';

/** Cents as the exact decimal string the API takes ("-12.05"). */
export const money = (cents: number): string =>
  `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

export const normalSideOf = (type: AccountType): Direction =>
  type === 'ASSET' || type === 'EXPENSE' ? 'DEBIT' : 'CREDIT';

/** One leg: a positive amount on one side of one account. */
export interface ModelLeg {
  account: string;
  direction: Direction;
  amount: Amount;
}

export interface ModelAccount {
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  scale: number;
  /** The bound on the normal-side balance, formatted at scale as the ledger stores it; null: none. */
  minimumBalance: string | null;
  /** The upper bound, likewise (absent: none). */
  maximumBalance?: string | null;
  status: 'OPEN' | 'CLOSED';
  /** The effectiveAt it was opened with; null when opened "now". */
  openedAt: string | null;
  debits: Amount;
  credits: Amount;
  /** Events in its stream: openings, closings, bound changes, postings, holds placed and voided. */
  version: number;
}

/** An account as opened: OPEN, nothing posted, version 1. */
export type NewModelAccount = Omit<ModelAccount, 'status' | 'debits' | 'credits' | 'version'>;

/** One leg as posted: its amount signed on the account's normal side. */
export interface ModelPosting {
  account: string;
  amount: Amount;
  effectiveAt: number;
  recordedAt: number;
}

export interface ModelTransaction {
  id: string;
  legs: ModelLeg[];
  effectiveAt: number;
  reversedBy: string | null;
  /** A hold is pending until committed (posted, at the committed amounts), voided or expired. */
  status: 'posted' | 'pending' | 'voided' | 'expired';
}

/**
 * A hold of legs that share one amount (as a transfer's do). `legs` is what it holds now: placed,
 * then adjusted and reduced by captures. Whatever happens, committed + released = placed + raised.
 */
export interface ModelHold {
  id: string;
  legs: ModelLeg[];
  expiresAt: number | null;
  /** expired: the sweeper recorded its expiry (a hold past its expiresAt but not swept is still open). */
  status: 'open' | 'committed' | 'voided' | 'expired';
  /** What its captures posted on every leg, in order. */
  captures: Amount[];
  /** What it held when placed, what adjustments added, and what adjustments and its settlement released. */
  placed: Amount;
  raised: Amount;
  released: Amount;
}

/** Everything the model knows, as snapshot() copies it. */
export interface ModelData {
  now: number;
  lockedThrough: number | null;
  accounts: Map<string, ModelAccount>;
  postings: ModelPosting[];
  transactions: Map<string, ModelTransaction>;
  holds: Map<string, ModelHold>;
  /** Successful keyed commands: the request they were (as the test identifies it), and the id they got. */
  keys: Map<string, { request: string; id: string }>;
  /** Events appended, counted as versions are. */
  events: number;
  /** Entry rows: one per posted leg. */
  entries: number;
  /** Posted debits and credits per currency. */
  totals: Map<string, { debit: Amount; credit: Amount }>;
}

export class LedgerModel implements ModelData {
  now: number;
  lockedThrough: number | null = null;
  accounts = new Map<string, ModelAccount>();
  postings: ModelPosting[] = [];
  transactions = new Map<string, ModelTransaction>();
  holds = new Map<string, ModelHold>();
  keys = new Map<string, { request: string; id: string }>();
  events = 0;
  entries = 0;
  totals = new Map<string, { debit: Amount; credit: Amount }>();

  /** `now`: the clock (milliseconds), for hold expiries and recorded times. */
  constructor(now = 0) {
    this.now = now;
  }

  account(code: string): ModelAccount {
    const account = this.accounts.get(code);
    if (!account) throw new Error(`the model has no account ${code}`);
    return account;
  }

  // ---- Questions --------------------------------------------------------------------------

  /** The normal-side balance from what is effective at `asOf` and recorded by `knownAt`. */
  balance(code: string, asOf = Number.POSITIVE_INFINITY, knownAt = Number.POSITIVE_INFINITY): Amount {
    let sum = ZERO;
    for (const p of this.postings)
      if (p.account === code && p.effectiveAt <= asOf && p.recordedAt <= knownAt) sum = sum.plus(p.amount);
    return sum;
  }

  /** How `legs` change the normal-side balance of `code`. */
  change(code: string, legs: ModelLeg[]): Amount {
    const side = normalSideOf(this.account(code).type);
    let sum = ZERO;
    for (const leg of legs)
      if (leg.account === code) sum = leg.direction === side ? sum.plus(leg.amount) : sum.minus(leg.amount);
    return sum;
  }

  /** Whether a hold reserves its funds now: open and not expired. */
  reserving(hold: ModelHold): boolean {
    return hold.status === 'open' && (hold.expiresAt === null || hold.expiresAt > this.now);
  }

  /** What the reserving holds take out of `code`. */
  reserved(code: string): Amount {
    let sum = ZERO;
    for (const hold of this.holds.values()) {
      if (!this.reserving(hold)) continue;
      const change = this.change(code, hold.legs);
      if (change.isNegative()) sum = sum.minus(change);
    }
    return sum;
  }

  /**
   * Whether taking `outflow` out of `code` keeps what is available (balance less reserved) at or
   * above its bound; `spending`: the id of the hold being committed, whose reserve it may use.
   */
  fits(code: string, outflow: Amount, spending?: string): boolean {
    const account = this.account(code);
    if (account.minimumBalance === null) return true;
    const hold = spending === undefined ? undefined : this.holds.get(spending);
    const own = hold && this.reserving(hold) ? this.change(code, hold.legs).neg() : ZERO;
    const reserved = this.reserved(code).minus(own.isNegative() ? ZERO : own);
    return this.balance(code).minus(reserved).minus(outflow).gte(account.minimumBalance);
  }

  /**
   * The first account (in the order the legs name them) that `legs` would take below its bound;
   * `left`: what the hold being spent still holds afterwards (a capture that is not final).
   */
  short(legs: ModelLeg[], spending?: string, left: ModelLeg[] = []): string | null {
    for (const code of new Set(legs.map((l) => l.account))) {
      const stillHeld = this.change(code, left);
      const change = this.change(code, legs).plus(stillHeld.isNegative() ? stillHeld : ZERO);
      if (change.isNegative() && !this.fits(code, change.neg(), spending)) return code;
    }
    return null;
  }

  /** What the reserving holds bring into `code` (but `except`): the maximum counts it. */
  incoming(code: string, except?: string): Amount {
    let sum = ZERO;
    for (const hold of this.holds.values()) {
      if (hold.id === except || !this.reserving(hold)) continue;
      const change = this.change(code, hold.legs);
      if (change.gt(0)) sum = sum.plus(change);
    }
    return sum;
  }

  /** What `code` can still give before its minimum (null: no minimum); `spending`'s reserve is its own. */
  canGive(code: string, spending?: string): Amount | null {
    const account = this.account(code);
    if (account.minimumBalance === null) return null;
    const hold = spending === undefined ? undefined : this.holds.get(spending);
    const own = hold && this.reserving(hold) ? this.change(code, hold.legs).neg() : ZERO;
    const reserved = this.reserved(code).minus(own.isNegative() ? ZERO : own);
    return this.balance(code).minus(reserved).minus(account.minimumBalance);
  }

  /** What `code` can still take before its maximum (null: no maximum), incoming holds counted but `spending`'s. */
  canTake(code: string, spending?: string): Amount | null {
    const max = this.account(code).maximumBalance ?? null;
    if (max === null) return null;
    return new Amount(max).minus(this.balance(code)).minus(this.incoming(code, spending));
  }

  /**
   * Why the ledger refuses `legs` on a bound, account by account in the order the legs name them:
   * an outflow past the minimum, an inflow past the maximum; null when every account takes them.
   * An adjustment is judged as its new legs with the hold itself `spending`.
   */
  refusal(
    legs: ModelLeg[],
    spending?: string,
    left: ModelLeg[] = [],
  ): 'INSUFFICIENT_FUNDS' | 'BALANCE_LIMIT_EXCEEDED' | null {
    for (const code of new Set(legs.map((l) => l.account))) {
      // `left`: what the hold being spent still holds after a capture that is not final — its
      // reservation against the minimum, its inflow against the maximum, in the hold's place.
      const change = this.change(code, legs).plus(this.change(code, left));
      if (change.isNegative() && !this.fits(code, change.neg(), spending)) return 'INSUFFICIENT_FUNDS';
      const room = change.gt(0) ? this.canTake(code, spending) : null;
      if (room !== null && change.gt(room)) return 'BALANCE_LIMIT_EXCEEDED';
    }
    return null;
  }

  /**
   * An "up to" transfer of `amount` from `from` to `to`: what it moves (the smaller of the amount,
   * what `from` can give and what `to` can take), or the refusal when that is nothing.
   */
  upTo(from: string, to: string, amount: Amount): Amount | 'INSUFFICIENT_FUNDS' | 'BALANCE_LIMIT_EXCEEDED' {
    let moved = amount;
    for (const [code, direction] of [
      [from, 'DEBIT'],
      [to, 'CREDIT'],
    ] as const) {
      const giving = direction !== normalSideOf(this.account(code).type);
      const room = giving ? this.canGive(code) : this.canTake(code);
      if (room === null) continue;
      if (room.lte(0)) return giving ? 'INSUFFICIENT_FUNDS' : 'BALANCE_LIMIT_EXCEEDED';
      if (room.lt(moved)) moved = room;
    }
    return moved;
  }

  /** A figure of `code` once `legs` are posted (or, `pending`, held): what a balance condition bounds. */
  figureAfter(code: string, metric: 'POSTED' | 'PENDING' | 'AVAILABLE', legs: ModelLeg[], pending = false): Amount {
    const change = this.change(code, legs);
    const posted = this.balance(code).plus(pending ? ZERO : change);
    const reserved = this.reserved(code).plus(pending && change.isNegative() ? change.neg() : ZERO);
    return metric === 'POSTED' ? posted : metric === 'PENDING' ? reserved : posted.minus(reserved);
  }

  /** Whether the period lock covers `effectiveAt`. */
  closed(effectiveAt: number): boolean {
    return this.lockedThrough !== null && effectiveAt <= this.lockedThrough;
  }

  // ---- What the ledger accepted --------------------------------------------------------------

  open(account: NewModelAccount): void {
    this.accounts.set(account.code, { ...account, status: 'OPEN', debits: ZERO, credits: ZERO, version: 1 });
    this.events += 1;
  }

  close(code: string): void {
    const account = this.account(code);
    account.status = 'CLOSED';
    account.version += 1;
    this.events += 1;
  }

  /** Sets the minimum; the bound it already has writes nothing. */
  setMinimumBalance(code: string, minimumBalance: string | null): void {
    const account = this.account(code);
    const bound = minimumBalance === null ? null : new Amount(minimumBalance).toFixed(account.scale);
    if (bound === account.minimumBalance) return;
    account.minimumBalance = bound;
    account.version += 1;
    this.events += 1;
  }

  /** Sets the maximum; the bound it already has writes nothing. */
  setMaximumBalance(code: string, maximumBalance: string | null): void {
    const account = this.account(code);
    const bound = maximumBalance === null ? null : new Amount(maximumBalance).toFixed(account.scale);
    if (bound === (account.maximumBalance ?? null)) return;
    account.maximumBalance = bound;
    account.version += 1;
    this.events += 1;
  }

  /** Whether a minimum and a maximum may stand together (the ledger refuses a maximum below the minimum). */
  static ordered(minimum: string | null | undefined, maximum: string | null | undefined): boolean {
    return minimum == null || maximum == null || new Amount(maximum).gte(minimum);
  }

  /** Each touched account's stream gets one event (a hold placed, voided). */
  private touch(legs: ModelLeg[]): void {
    const touched = new Set(legs.map((l) => l.account));
    for (const code of touched) this.account(code).version += 1;
    this.events += touched.size;
  }

  /** Moves the lock to `through` unless it is already later. */
  closePeriod(through: number): void {
    if (this.lockedThrough === null || through > this.lockedThrough) this.lockedThrough = through;
  }

  reopenPeriod(): void {
    this.lockedThrough = null;
  }

  /** Posts `legs` as transaction `id` (a committed hold keeps its id and its place), recorded now. */
  post(id: string, legs: ModelLeg[], effectiveAt: number): void {
    for (const leg of legs) {
      const account = this.account(leg.account);
      const signed = leg.direction === normalSideOf(account.type) ? leg.amount : leg.amount.neg();
      this.postings.push({ account: leg.account, amount: signed, effectiveAt, recordedAt: this.now });
      if (leg.direction === 'DEBIT') account.debits = account.debits.plus(leg.amount);
      else account.credits = account.credits.plus(leg.amount);
      const total = this.totals.get(account.currency) ?? { debit: ZERO, credit: ZERO };
      this.totals.set(
        account.currency,
        leg.direction === 'DEBIT'
          ? { ...total, debit: total.debit.plus(leg.amount) }
          : { ...total, credit: total.credit.plus(leg.amount) },
      );
    }
    this.touch(legs);
    this.entries += legs.length;
    const existing = this.transactions.get(id);
    if (existing) Object.assign(existing, { legs, effectiveAt, status: 'posted' });
    else this.transactions.set(id, { id, legs, effectiveAt, reversedBy: null, status: 'posted' });
  }

  /** Places a hold: it reserves until committed, voided or expired, and posts nothing yet. */
  placeHold(id: string, legs: ModelLeg[], effectiveAt: number, expiresAt: number | null): void {
    const placed = legs[0]!.amount;
    this.holds.set(id, { id, legs, expiresAt, status: 'open', captures: [], placed, raised: ZERO, released: ZERO });
    this.transactions.set(id, { id, legs, effectiveAt, reversedBy: null, status: 'pending' });
    this.touch(legs);
  }

  /** What a hold holds on every leg now. */
  held(id: string): Amount {
    return this.holds.get(id)!.legs[0]!.amount;
  }

  /** The hold's legs at `amount`. */
  at(id: string, amount: Amount): ModelLeg[] {
    return this.holds.get(id)!.legs.map((l) => ({ ...l, amount }));
  }

  /**
   * Captures `amount` of a hold now (default: all it holds). A final capture releases the rest;
   * one that leaves nothing held is final too. Answers the posted legs.
   */
  commit(id: string, amount?: Amount, final = true): ModelLeg[] {
    const hold = this.holds.get(id)!;
    const captured = amount ?? this.held(id);
    const legs = this.at(id, captured);
    const left = this.held(id).minus(captured);
    this.post(id, legs, this.now);
    // Never mutated in place: a snapshot (a race in the simulation) shares the array.
    hold.captures = [...hold.captures, captured];
    const tx = this.transactions.get(id)!;
    if (final || left.isZero()) {
      hold.status = 'committed';
      hold.released = hold.released.plus(left);
      const total = hold.captures.reduce((a, b) => a.plus(b), ZERO);
      hold.legs = this.at(id, ZERO);
      // Posted: the transaction's legs are everything its captures posted.
      Object.assign(tx, { legs: legs.map((l) => ({ ...l, amount: total })), effectiveAt: this.now, status: 'posted' });
    } else {
      hold.legs = this.at(id, left);
      Object.assign(tx, { legs: hold.legs, status: 'pending' });
    }
    return legs;
  }

  /** A hold raised or lowered to `amount` on every leg. */
  adjust(id: string, amount: Amount): void {
    const hold = this.holds.get(id)!;
    const before = this.held(id);
    // An adjustment to what it already holds appends nothing.
    if (!amount.eq(before)) this.touch(hold.legs);
    if (amount.gt(before)) hold.raised = hold.raised.plus(amount.minus(before));
    else hold.released = hold.released.plus(before.minus(amount));
    hold.legs = this.at(id, amount);
    this.transactions.get(id)!.legs = hold.legs;
  }

  /**
   * Releases what a hold holds: voided, or (the sweeper) expired. A hold captured in part settles
   * as posted — what its captures posted, at the release's effective time — otherwise as voided
   * or expired.
   */
  settle(id: string, status: 'voided' | 'expired'): void {
    const hold = this.holds.get(id)!;
    // Each account of a hold still open gets the release's event; a settled one is left alone.
    if (hold.status === 'open') this.touch(hold.legs);
    hold.released = hold.released.plus(this.held(id));
    hold.legs = this.at(id, ZERO);
    hold.status = status;
    const tx = this.transactions.get(id)!;
    if (hold.captures.length === 0) {
      tx.status = status;
      return;
    }
    const total = hold.captures.reduce((a, b) => a.plus(b), ZERO);
    const effectiveAt = status === 'expired' ? hold.expiresAt! : this.now;
    Object.assign(tx, { legs: this.at(id, total), effectiveAt, status: 'posted' });
  }

  /** Whether the hold is settled as a posted transaction (a final capture, or a release after captures). */
  settledPosted(id: string): boolean {
    const hold = this.holds.get(id)!;
    return hold.status === 'committed' || (hold.status !== 'open' && hold.captures.length > 0);
  }

  void(id: string): void {
    this.settle(id, 'voided');
  }

  /** The holds the sweeper expires now: open, past their expiresAt. */
  dueHolds(): ModelHold[] {
    return [...this.holds.values()].filter(
      (h) => h.status === 'open' && h.expiresAt !== null && h.expiresAt <= this.now,
    );
  }

  /** The sweeper recorded the hold's expiry. */
  expire(id: string): void {
    this.settle(id, 'expired');
  }

  /** The exact opposite legs of a transaction. */
  reversalOf(id: string): ModelLeg[] {
    return this.transactions.get(id)!.legs.map((l) => ({
      ...l,
      direction: l.direction === 'DEBIT' ? 'CREDIT' : 'DEBIT',
    }));
  }

  /** Posts the reversal of `id` as `reversalId`, effective when the original was. */
  reverse(id: string, reversalId: string): void {
    const original = this.transactions.get(id)!;
    original.reversedBy = reversalId;
    this.post(reversalId, this.reversalOf(id), original.effectiveAt);
  }

  // ---- Copies ---------------------------------------------------------------------------------

  /** A copy of everything it knows (amounts are immutable and shared), to go back to. */
  snapshot(): ModelData {
    return {
      now: this.now,
      lockedThrough: this.lockedThrough,
      accounts: new Map([...this.accounts].map(([k, a]) => [k, { ...a }])),
      postings: [...this.postings],
      transactions: new Map([...this.transactions].map(([k, t]) => [k, { ...t }])),
      holds: new Map([...this.holds].map(([k, h]) => [k, { ...h }])),
      keys: new Map(this.keys),
      events: this.events,
      entries: this.entries,
      totals: new Map(this.totals),
    };
  }

  restore(data: ModelData): void {
    const copy = LedgerModel.prototype.snapshot.call(data);
    Object.assign(this, copy);
  }
}
