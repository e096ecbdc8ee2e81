/** What the storage's failures mean to a client, whichever the database (sqlite.ts, postgres.ts). */

/**
 * The storage failed in a way the client can do nothing about but wait and retry: the database is
 * full, locked by another process, read-only, its file is gone, or its server cannot be reached.
 * The request's transaction rolled back (for STORAGE_UNAVAILABLE during a commit the outcome is
 * unknown: the idempotency key makes the retry safe); writes resume once the fault is gone.
 */
export class StorageFault extends Error {
  constructor(
    readonly fault: 'STORAGE_FULL' | 'STORAGE_LOCKED' | 'STORAGE_READ_ONLY' | 'STORAGE_MISSING' | 'STORAGE_UNAVAILABLE',
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'StorageFault';
  }
}
