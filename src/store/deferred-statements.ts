/**
 * A write transaction's connection that holds back the statements whose answer nobody reads —
 * BEGIN, the write lock's SET/SELECT, INSERT/UPDATE/DELETE without RETURNING — and sends them with
 * the next statement that is read, or with the COMMIT, as one simple query: one round trip.
 *
 * Why: a group commit's transaction is a dozen statements (BEGIN, the lock, the head, events,
 * accounts, transactions, entries, idempotency, COMMIT). Sent one by one, each costs a round trip,
 * a wake-up of the server and of Node, and Node's per-query work; that fixed cost per group is
 * what many small groups (many ledgers written at once) pay most. Held back, the same transaction
 * is two or three round trips: BEGIN + lock + the head read, then the writes + COMMIT.
 *
 * What changes for the work inside: the lock is taken at its first read (every write of the
 * ledger reads the log head first); an error of a held statement is raised at the next round
 * trip, which fails the transaction whole — as any error does in PostgreSQL, where a transaction
 * cannot go on after one; and a held statement's affected-row count is not known (nothing in a
 * write reads it).
 *
 * Parameters are written into the text as literals, exactly as pg sends them: as text of unknown
 * type, which the server types from where it stands (E'…' with backslashes and quotes escaped,
 * so the result does not depend on standard_conforming_strings). A statement with a value of
 * another kind (none today) is sent on its own, with its parameters, after the held ones.
 */
import type pg from 'pg';

/** Statements whose answer the caller ignores: Kysely's BEGIN, takeLock's text, writes without RETURNING. */
const HOLDABLE = /^\s*(begin|set local|insert|update|delete)\b/i;
const RETURNING = /\breturning\b/i;

type Result = Pick<pg.QueryResult, 'command' | 'rowCount' | 'rows'>;

export class DeferringClient {
  private held: string[] = [];
  /** Whether BEGIN has reached the server (a rollback before then has nothing to undo). */
  private begun = false;

  constructor(private readonly client: pg.PoolClient) {}

  async query(text: string, values: readonly unknown[] = []): Promise<Result> {
    const command = text.trim().split(/\s/, 1)[0]!.toUpperCase();
    if (command === 'ROLLBACK') return this.rollback();
    const statement = inline(text, values);
    if (statement !== null && HOLDABLE.test(text) && !RETURNING.test(text)) {
      this.held.push(statement);
      return { command, rowCount: 0, rows: [] };
    }
    const batch = this.held;
    this.held = [];
    if (batch.some((held) => /^\s*begin\b/i.test(held))) this.begun = true;
    const result = await this.send(batch, text, statement, values);
    // A COMMIT that failed leaves the transaction open on the server: the rollback that follows is sent.
    if (command === 'COMMIT') this.begun = false;
    return result;
  }

  private async send(batch: string[], text: string, statement: string | null, values: readonly unknown[]) {
    if (batch.length === 0) return this.client.query(text, values as unknown[]);
    if (statement === null) {
      await this.client.query(batch.join(';\n'));
      return this.client.query(text, values as unknown[]);
    }
    const results = (await this.client.query([...batch, statement].join(';\n'))) as unknown as Result | Result[];
    return Array.isArray(results) ? results[results.length - 1]! : results;
  }

  /** Held statements are dropped; the server is asked to roll back only what it began. */
  private async rollback(): Promise<Result> {
    this.held = [];
    if (!this.begun) return { command: 'ROLLBACK', rowCount: null, rows: [] };
    this.begun = false;
    return this.client.query('rollback');
  }

  release(destroy?: boolean | Error): void {
    this.held = [];
    this.begun = false;
    this.client.release(destroy);
  }
}

/** `text` with `$n` replaced by the literal of values[n-1]; null when a value is not one pg sends as plain text. */
export function inline(text: string, values: readonly unknown[]): string | null {
  if (values.length === 0) return text;
  const literals: string[] = [];
  for (const value of values) {
    const literal = literalOf(value);
    if (literal === null) return null;
    literals.push(literal);
  }
  // A $n inside a quoted string or identifier is text, not a parameter: those are kept as they are.
  return text.replace(PLACEHOLDER, (match, n: string | undefined) => (n ? literals[Number(n) - 1]! : match));
}

const PLACEHOLDER = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\$(\d+)/g;

const NEEDS_ESCAPE = /['\\]/;

function literalOf(value: unknown): string | null {
  if (value === null || value === undefined) return 'NULL';
  // A NUL would end the query text early on the wire: such a value goes as a parameter (and is refused).
  if (typeof value === 'string') {
    if (value.includes('\0')) return null;
    // Most values hold neither a quote nor a backslash: written as they are.
    return NEEDS_ESCAPE.test(value) ? `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'` : `E'${value}'`;
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `'${String(value)}'`;
  return null;
}
