/**
 * The one pipeline every account command runs through. A command (one file each, in commands/)
 * is built in step 1, outside any transaction; the group committer then runs steps 2–7 inside the
 * write transaction it shares with its neighbours, always in this order:
 *
 *   1. checkInput   the command file's builder: input rules, before anything is read
 *   2. replay       an idempotency key used before: the first result, before any rule
 *   3. checkNamed   the rule about the transaction the command names (reversed at most once)
 *   4. load         the states of the accounts it names
 *   5. read         what `decide` needs beyond those states (money not yet available)
 *   6. decide       pure: the events of every account (domain/journal.ts)
 *   7. checkPeriod  the period lock — only when the command writes (a no-op is answered as one)
 *   8. stage        the events and the idempotency record, durable with the group's commit
 *
 * So the order of refusals is this list: every refusal comes before anything is staged.
 */
import { createHash } from 'node:crypto';
import type { AccountState } from '../domain/account.js';
import { IdempotencyConflict, PeriodClosed, ValidationError } from '../domain/errors.js';
import type { Decisions } from '../domain/journal.js';
import { canonicalJson } from '../domain/json.js';
import { instantField } from '../domain/time.js';
import { encodeEvent } from '../events/catalogue.js';
import type { EventMetadata } from '../events/envelope.js';
import { accountStream } from '../events/streams.js';
import type { Db } from '../store/db.js';
import type { AppendRequest, Clock } from '../store/event-store.js';
import type { IdempotencyRecord } from '../store/idempotency.js';
import type { CommandContext } from './context.js';
import type { WriteSession } from './write-session.js';

/** What a command's builder (step 1) may use: the clock, the skew allowed, and reads before queueing. */
export interface CommandEnv {
  clock: Clock;
  /** How far in the future an effectiveAt may lie (clock skew between systems). */
  maxFutureSkewMs: number;
  db: Db;
  /** The root of the conversion accounts exchanges post to (domain/exchanges.ts); default equity:conversion. */
  conversionAccount?: string;
}

/** A command answered before it was queued: a retry's first answer (step 2, early), or a no-op. */
export interface Settled {
  settled: string;
}

/** An account command as the steps of the pipeline; `Read` is what step 5 hands to step 6. */
export interface Command<Read = undefined> {
  /** Recorded in every event's metadata and the idempotency record. */
  name: string;
  idempotency: { key: string; fingerprint: string } | null;
  /** Step 4: the accounts `decide` rules on. */
  accounts: string[];
  /** The transaction its events belong to (null for an account's own lifecycle). */
  transactionId: string | null;
  /** What the command resolves to: the transaction id, or the account code (a retry: the first one). */
  answer: string;
  /** The event that caused this one (a reversal: the transaction it reverses), for the metadata. */
  causationId?: string;
  /** Step 3. */
  checkNamed?(session: WriteSession): Promise<void>;
  /** Step 5. Without it, `decide` gets undefined. */
  read?(session: WriteSession, states: ReadonlyMap<string, AccountState>): Promise<Read>;
  /** Step 6: pure; may throw a LedgerError. */
  decide(states: ReadonlyMap<string, AccountState>, read: Read): Decisions;
  /** Step 7: the effective time the period lock must lie before (unset: no period check). */
  effectiveAt?: string;
  /**
   * Steps 3 or 5 read rows this very transaction writes (they flush first): decided inside its
   * write transaction, never pipelined (group-commit.ts). A command with checkNamed always is.
   */
  readsOwnWrites?: boolean;
}

/**
 * Steps 2–8 inside the write transaction. Resolves to the stored result when the idempotency key
 * was used before with the same request, otherwise to null once the events are staged.
 */
export async function runCommand<Read>(
  session: WriteSession,
  command: Command<Read>,
  ctx: CommandContext,
): Promise<string | null> {
  if (command.idempotency) {
    const previous = await session.idempotency(command.idempotency.key);
    if (previous) return replay(previous, command.idempotency.fingerprint);
  }
  await command.checkNamed?.(session);
  const states = await session.accounts(command.accounts);
  // Without a read step, Read is undefined (Command's default).
  const read = command.read ? await command.read(session, states) : (undefined as Read);
  const decisions = command.decide(states, read);
  const requests = appendRequests(command, ctx, states, decisions);
  if (requests.length === 0) return null;
  if (command.effectiveAt !== undefined) await checkPeriodOpen(session, command.effectiveAt);
  const stored = await session.appendAccountEvents(requests, decisions, states);
  if (command.idempotency) {
    const { key, fingerprint } = command.idempotency;
    session.saveIdempotency(
      { key, command: command.name, fingerprint, result: command.answer, position: stored[0]!.position },
      stored[0]!.recordedAt,
    );
  }
  return null;
}

/** How the group committer queues a command: what it reads ahead and whether it may be pipelined. */
export function submitOptions<Read>(command: Command<Read>) {
  return {
    keys: command.idempotency ? [command.idempotency.key] : [],
    accounts: command.accounts,
    classic: command.checkNamed !== undefined || command.readsOwnWrites === true,
  };
}

function appendRequests<Read>(
  command: Command<Read>,
  ctx: CommandContext,
  states: ReadonlyMap<string, AccountState>,
  decisions: Decisions,
): AppendRequest[] {
  const causedBy = command.causationId === undefined ? ctx : { ...ctx, causationId: command.causationId };
  const metadata = metadataFor(causedBy, command.name, command.idempotency?.key ?? null);
  const requests: AppendRequest[] = [];
  for (const [code, events] of decisions) {
    if (events.length === 0) continue;
    requests.push({
      streamId: accountStream(code),
      expectedVersion: states.get(code)!.version,
      events: events.map((event) => ({
        ...encodeEvent(event),
        metadata,
        effectiveAt: event.effectiveAt,
        // A conversion account a posting opens (exchanges.ts) carries its id too: the transaction's
        // events stay contiguous in the log, which rebuild's batches rely on.
        transactionId: command.transactionId,
      })),
    });
  }
  return requests;
}

/** Under the write lock: nothing effective at or before the period lock is written. */
async function checkPeriodOpen(session: WriteSession, effectiveAt: string): Promise<void> {
  const { lockedThrough } = await session.books();
  if (lockedThrough !== null && effectiveAt <= lockedThrough) throw new PeriodClosed(lockedThrough, effectiveAt);
}

/** The effective time of a command: now by default, never beyond the allowed future skew. */
export function effectiveAtOf(env: CommandEnv, given: string | null | undefined): string {
  const now = env.clock();
  if (given == null) return now.toISOString();
  const at = instantField(given, 'effectiveAt');
  if (Date.parse(at) > now.getTime() + env.maxFutureSkewMs) {
    throw new ValidationError('effectiveAt', `${given} is more than ${env.maxFutureSkewMs / 1000}s in the future`);
  }
  return at;
}

/** Who did what, as every event of one command records it (canonical JSON). */
export function metadataFor(ctx: CommandContext, command: string, idempotencyKey: string | null): string {
  const metadata: EventMetadata = {
    actor: ctx.actor,
    requestId: ctx.requestId,
    correlationId: ctx.correlationId ?? ctx.requestId,
    causationId: ctx.causationId ?? null,
    idempotencyKey,
    command,
    clientAddress: ctx.clientAddress ?? null,
  };
  return canonicalJson(metadata);
}

/** A retry's answer: the first result, or a conflict when the key came with a different request. */
export function replay(record: IdempotencyRecord, fingerprint: string): string {
  if (record.fingerprint !== fingerprint) throw new IdempotencyConflict(record.key);
  return record.result;
}

/** The whole canonical input, description and metadata included; the command name too. */
export function fingerprintFor(command: string, input: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ command, input: withoutNulls(input) }))
    .digest('hex');
}

/**
 * An omitted field and an explicit null mean the same request (top level, and the items of its
 * lists: legs, conditions, expected versions; metadata is kept as sent).
 */
function withoutNulls(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value == null) continue;
    out[key] = key !== 'metadata' && Array.isArray(value) ? value.map(withoutNulls) : value;
  }
  return out;
}
