/**
 * CPU time of processes from /proc/<pid>/stat (Linux only): what a phase of a
 * bench cost each side, e.g. the Tessera nodes against the PostgreSQL server.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc counts CPU time in these ticks (100 on every Linux we run on). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime, in seconds. */
  own: number;
  /** cutime + cstime (children it has reaped), in seconds. */
  reaped: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone
  }
  // The command name (field 2) is in parentheses and may hold spaces: the fields after the last ')' start at 3 (state).
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number): number => Number(f[i] ?? 0);
  return { ppid: n(1), own: (n(11) + n(12)) / TICKS_PER_SECOND, reaped: (n(13) + n(14)) / TICKS_PER_SECOND };
}

/** A process's own CPU seconds (all its threads), 0 when it is gone. */
export function processCpuSeconds(pid: number): number {
  return readStat(pid)?.own ?? 0;
}

/** The pids whose parent is `ppid` (what `ps --ppid` lists). */
export function childPids(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (readStat(Number(name))?.ppid === ppid) out.push(Number(name));
  }
  return out;
}

/**
 * CPU seconds of a server and its children (PostgreSQL's postmaster and its
 * backends, WAL writer, checkpointer …): the live children's own time, plus
 * the parent's own and what it has reaped — so a backend that ended between
 * two readings still counts, in the parent's reaped time.
 */
export function processTreeCpuSeconds(rootPid: number): number {
  const root = readStat(rootPid);
  if (!root) return 0;
  return root.own + root.reaped + childPids(rootPid).reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
}
