/**
 * The Automatic Persisted Queries store: query texts by their SHA-256, learnt from clients that
 * send hash and text together (docs/api.md, "Persisted operations"). It is a cache, not a record:
 * kept in this process's memory, bounded in entries and in bytes, least recently used evicted
 * first. Several processes each learn it on their own; a client that meets
 * PERSISTED_QUERY_NOT_FOUND simply sends the text once more, so losing an entry costs one retry.
 */

/** How many query texts, and how many bytes of them, one process keeps at most. */
export interface ApqLimits {
  maxEntries: number;
  maxBytes: number;
}

/** A thousand distinct operations is more than any real client set; 8 MiB of text is cheap. */
export const DEFAULT_APQ_LIMITS: ApqLimits = { maxEntries: 1000, maxBytes: 8 * 1024 * 1024 };

export class ApqStore {
  /** A Map keeps insertion order: the first key is the least recently used. */
  private readonly entries = new Map<string, { query: string; bytes: number }>();
  private bytes = 0;

  constructor(private readonly limits: ApqLimits = DEFAULT_APQ_LIMITS) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** The text stored under this hash (and it becomes the most recently used), or null. */
  get(hash: string): string | null {
    const entry = this.entries.get(hash);
    if (!entry) return null;
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    return entry.query;
  }

  /** Stores a text its hash was checked against; one larger than the whole budget is not kept. */
  set(hash: string, query: string): void {
    const bytes = Buffer.byteLength(query, 'utf8');
    if (this.limits.maxEntries === 0 || bytes > this.limits.maxBytes) return;
    this.delete(hash);
    this.entries.set(hash, { query, bytes });
    this.bytes += bytes;
    while (this.entries.size > this.limits.maxEntries || this.bytes > this.limits.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  private delete(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    this.entries.delete(hash);
    this.bytes -= entry.bytes;
  }
}
