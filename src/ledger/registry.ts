/**
 * The ledgers one server runs (issue 24). `default` is the database the server started with;
 * every other ledger is opened at its first request — its storage (schema or file) created and
 * migrated if need be, then whatever the server runs per ledger (`start`: the Ledger with its
 * group-commit queue, subscribers, hold sweeper, webhook dispatcher) — and kept until close.
 * Nothing is shared between two ledgers but this process: each has its own storage, write lock,
 * positions, hash chain and workers.
 */
import { DEFAULT_LEDGER, LEDGER_NAME } from '../domain/ledgers.js';
import type { Database } from '../store/db.js';
import { openLedgerStorage } from '../store/namespaces.js';
import { StorageFault } from '../store/storage-fault.js';
import { ledgerExists, recordLedger, type LedgerInfo } from './catalogue.js';

interface Opened<R> {
  runtime: R;
  database: Database;
}

export class LedgerRegistry<R> {
  private readonly opening = new Map<string, Promise<Opened<R>>>();
  private readonly running = new Map<string, Opened<R>>();
  private closed = false;

  constructor(
    /** The default ledger's database: the catalogue and the API keys live there. */
    readonly home: Database,
    private readonly defaultRuntime: R,
    private readonly start: (name: string, database: Database) => R,
    private readonly stop: (runtime: R) => Promise<void>,
  ) {}

  /** The running ledger of this name, opened at first use; null when no such ledger exists. */
  async get(name: string): Promise<R | null> {
    if (name === DEFAULT_LEDGER) return this.defaultRuntime;
    const known = this.running.get(name) ?? (await this.opening.get(name));
    if (known) return known.runtime;
    if (this.closed || !LEDGER_NAME.test(name) || !(await ledgerExists(this.home.db, name))) return null;
    return (await this.open(name)).runtime;
  }

  /** Records a new ledger and opens it, so that a storage failure shows now rather than at its first request. */
  async create(input: { name: string; description?: string | null }, actor: string, now: string): Promise<LedgerInfo> {
    const info = await recordLedger(this.home, input, actor, now);
    await this.open(info.name);
    return info;
  }

  /** The ledgers open now, `default` first (readiness, metrics). */
  opened(): Array<{ name: string; runtime: R }> {
    return [
      { name: DEFAULT_LEDGER, runtime: this.defaultRuntime },
      ...[...this.running].map(([name, opened]) => ({ name, runtime: opened.runtime })),
    ];
  }

  /** Stops every ledger but `default` (its owner closes it) and closes their databases. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.opening.values());
    await Promise.all(
      [...this.running.values()].map(async ({ runtime, database }) => {
        await this.stop(runtime);
        await database.close();
      }),
    );
    this.running.clear();
  }

  /** One opening per name however many requests ask at once; a failed one is tried again next time. */
  private open(name: string): Promise<Opened<R>> {
    const running = this.running.get(name);
    if (running) return Promise.resolve(running);
    let pending = this.opening.get(name);
    if (!pending) {
      pending = openLedgerStorage(this.home, name).then(
        (database) => {
          const opened = { runtime: this.start(name, database), database };
          this.running.set(name, opened);
          return opened;
        },
        (error: unknown) => {
          throw this.home.fault(error) ?? unopenable(name, error);
        },
      );
      this.opening.set(name, pending);
      const forget = () => this.opening.delete(name);
      pending.then(forget, forget);
    }
    return pending;
  }
}

/**
 * A ledger's storage that is there but cannot be opened or migrated (something else where its
 * schema or file should be, a migration that fails): the operator must look, the client can only
 * retry later. The cause goes to the log with the fault (server.ts).
 */
function unopenable(name: string, cause: unknown): StorageFault {
  return new StorageFault(
    'STORAGE_UNAVAILABLE',
    `the storage of ledger "${name}" cannot be opened: an operator must repair it (the server's log says why)`,
    cause,
  );
}
