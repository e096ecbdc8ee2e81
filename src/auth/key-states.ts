/**
 * The key re-check of open streams. A request checks its key once, at its start (http-auth.ts);
 * a subscription lives on for hours, so a key revoked (or expiring) meanwhile must still end it.
 *
 * Cheap by design: one shared cache per server process. While any stream is open, one timer
 * reads the state of every key that has a stream — one indexed query for all of them, every
 * `intervalMs` — and ends at once the streams whose key went bad. Streams ask the cache (no
 * query) before each event they deliver. Reading the database, not a local flag, is what lets a
 * revocation made by another process (the CLI, another server) end the streams here too.
 */
import type { Db } from '../store/db.js';
import { keyStates, type KeyStateRow } from '../store/api-keys.js';
import type { Logger } from '../log.js';

/** How often open streams' keys are read again: a revocation ends them within this plus one read. */
export const KEY_RECHECK_MS = 500;

/** One open stream's view of its key. */
export interface KeyWatch {
  /** Why the key no longer admits the stream (revoked, expired), or null while it does. */
  failure(): string | null;
  /** The stream ended: stop watching for it. */
  close(): void;
}

type Ended = (message: string) => void;

export class KeyStates {
  private readonly watchers = new Map<string, Set<Ended>>();
  private readonly states = new Map<string, KeyStateRow | null>();
  private timer: NodeJS.Timeout | null = null;
  private reading = false;

  constructor(
    private readonly db: Db,
    private readonly options: { intervalMs?: number; logger?: Logger; read?: typeof keyStates } = {},
  ) {}

  /** Watches key `name` for one stream; `ended` is called once if the key stops admitting it. */
  watch(name: string, ended: Ended): KeyWatch {
    let open = true;
    const once: Ended = (message) => {
      if (!open) return;
      close();
      ended(message);
    };
    const close = () => {
      if (!open) return;
      open = false;
      const set = this.watchers.get(name);
      set?.delete(once);
      if (set?.size === 0) {
        this.watchers.delete(name);
        this.states.delete(name);
      }
      if (this.watchers.size === 0) this.stop();
    };
    const set = this.watchers.get(name) ?? new Set();
    set.add(once);
    this.watchers.set(name, set);
    this.start();
    return { failure: () => (open ? this.failure(name) : null), close };
  }

  /** Keys with open streams now (for tests and metrics). */
  get watched(): number {
    return this.watchers.size;
  }

  /** Stops the timer (at server shutdown; streams are ended by the shutdown itself). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The cached verdict: revocation as of the last read, expiry against the clock now. */
  private failure(name: string): string | null {
    const state = this.states.get(name);
    if (state === undefined) return null; // not read yet: the request's own check just passed
    if (state === null) return `API key "${name}" is no longer known`;
    if (state.revoked_at !== null) return `API key "${name}" was revoked at ${state.revoked_at}`;
    if (state.expires_at !== null && state.expires_at <= new Date().toISOString())
      return `API key "${name}" expired at ${state.expires_at}`;
    return null;
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs ?? KEY_RECHECK_MS);
    // The timer serves open streams; it must not keep a stopping process alive.
    this.timer.unref();
  }

  /** One read for every watched key; a read already under way is not doubled. */
  private async refresh(): Promise<void> {
    if (this.reading || this.watchers.size === 0) return;
    this.reading = true;
    try {
      const names = [...this.watchers.keys()];
      const rows = await (this.options.read ?? keyStates)(this.db, names);
      const found = new Map(rows.map((row) => [row.name, row]));
      for (const name of names) if (this.watchers.has(name)) this.states.set(name, found.get(name) ?? null);
      this.endFailed();
    } catch (error) {
      // A storage fault says nothing about the key: keep the last verdict and read again next tick.
      this.options.logger?.log('warn', 'could not re-check the keys of open streams', { error: String(error) });
    } finally {
      this.reading = false;
    }
  }

  private endFailed(): void {
    for (const [name, set] of [...this.watchers]) {
      const message = this.failure(name);
      if (message === null) continue;
      for (const ended of [...set]) ended(message);
    }
  }
}
