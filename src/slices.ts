/**
 * Long work on the main thread (a batch of a thousand postings to plan and decide, a query that
 * completes thousands of fields) gives the event loop back every few milliseconds, so requests
 * that arrived meanwhile are served between slices instead of after the whole of it.
 *
 * `await breathe()` at the points where such work can pause: it returns at once while the current
 * slice is young, and otherwise parks the caller until the event loop has polled for I/O. All
 * callers share one slice, so a thousand paused resolvers resume a slice's worth at a time.
 */

/** How long the main thread may run before it yields. */
const SLICE_MS = 5;

/**
 * Whether long work yields on the clock (here, and as the group committer decides a group). The
 * deterministic simulation turns it off: its interleavings must follow from its seed alone, never
 * from how fast a loaded machine happens to run.
 */
export const timeSlicing = { enabled: true };

let sliceStart = performance.now();
let markerQueued = false;

/** Runs first in a check phase: the slice of that turn of the event loop starts. */
function mark(): void {
  markerQueued = false;
  sliceStart = performance.now();
}

export async function breathe(): Promise<void> {
  if (!timeSlicing.enabled) return;
  while (performance.now() - sliceStart >= SLICE_MS) {
    if (!markerQueued) {
      markerQueued = true;
      setImmediate(mark);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}
