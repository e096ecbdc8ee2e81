/**
 * Long loops on the main thread (a batch of a thousand postings to plan, decide and encode) give
 * the event loop back every few milliseconds, so the requests that arrived meanwhile are served
 * between slices instead of after the whole batch.
 */

/** How long a loop may hold the event loop before it yields. */
const SLICE_MS = 5;

export class Slicer {
  private started = performance.now();

  /** Yields to the event loop when this slice has run its time; call once per item. */
  async next(): Promise<void> {
    if (performance.now() - this.started < SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.started = performance.now();
  }
}
