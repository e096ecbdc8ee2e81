/** A process and its descendants as Linux's /proc lists them (the tests and benchmarks run on Linux). */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  /** The command line, arguments joined by spaces. */
  command: string;
  /** Resident memory, in kilobytes. */
  rssKb: number;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // The process ended while it was listed.
    return null;
  }
}

/** `root` and every process below it, root first. */
export function processTree(root: number): ProcessInfo[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    // The command name (in parentheses) may hold spaces: the parent pid is the second field after it.
    if (stat) parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const pids = [root];
  for (let i = 0; i < pids.length; i++) for (const [pid, parent] of parents) if (parent === pids[i]) pids.push(pid);
  return pids.map((pid) => ({
    pid,
    command: (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim(),
    rssKb: Number(/VmRSS:\s+(\d+)/.exec(read(`/proc/${pid}/status`) ?? '')?.[1] ?? 0),
  }));
}
