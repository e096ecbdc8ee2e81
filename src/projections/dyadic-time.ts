/**
 * Effective time as the leaves of a binary tree: milliseconds from 0001-01-01, so every
 * instant a DateTime can name fits in 49 bits. Node (level L, n) covers the milliseconds
 * [n·2^L, (n+1)·2^L). Any prefix "effective at or before T" is the union of at most 49
 * nodes, one per level — so a sum over it costs 49 lookups, whatever the history.
 */
export const LEVELS = 49;
const OFFSET = -Date.parse('0001-01-01T00:00:00.000Z'); // 62135596800000

export interface Node {
  level: number;
  node: number;
}

export function millisecondOf(instant: string): number {
  const ms = Date.parse(instant) + OFFSET;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** LEVELS)
    throw new Error(`invariant: ${instant} is outside years 0001..9999`);
  return ms;
}

/** The node holding this instant at every level. */
export function ancestors(instant: string): Node[] {
  const ms = millisecondOf(instant);
  return Array.from({ length: LEVELS }, (_, level) => ({ level, node: Math.floor(ms / 2 ** level) }));
}

/** The nodes whose union is every instant at or before `instant`. */
export function prefixNodes(instant: string): Node[] {
  const end = millisecondOf(instant) + 1; // [0, end)
  const nodes: Node[] = [];
  for (let level = 0; level < LEVELS; level++) {
    const count = Math.floor(end / 2 ** level);
    if (count % 2 === 1) nodes.push({ level, node: count - 1 });
  }
  return nodes;
}
