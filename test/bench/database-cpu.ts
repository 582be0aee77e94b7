/**
 * The CPU time PostgreSQL spends for Kith, read from /proc: the postmaster
 * and every process under it (the backends serving Kith's connections, the
 * WAL writer, the checkpointer). A backend that exits is not lost: its time
 * moves into the postmaster's `cutime`/`cstime` once reaped (proc(5)).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

// Each throwaway cluster's data directory, by its port.
const clusters = new Map<string, string>();

/** Remembers a cluster the harness started, so its CPU can be read by any database URL on it. */
export function registerCluster(url: string, dataDir: string): void {
  clusters.set(new URL(url).port, dataDir);
}

/** CPU ms (user + system) of the PostgreSQL cluster serving `databaseUrl`, or null if not one of ours. */
export function postgresCpuMs(databaseUrl: string): number | null {
  if (!databaseUrl.startsWith('postgres')) return null;
  const dataDir = clusters.get(new URL(databaseUrl).port);
  if (!dataDir) return null;
  // postmaster.pid's first line is the postmaster's process id.
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    // After "pid (comm) ": state, ppid, …; utime, stime, cutime, cstime are fields 14–17 (proc(5)).
    if (Number(entry) !== postmaster && Number(fields[1]) !== postmaster) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return null; // gone meanwhile
  }
}
