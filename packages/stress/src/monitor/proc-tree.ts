// Memory and CPU of a server's whole process tree (a PostgreSQL postmaster and its backends and
// auxiliary processes) from Linux's /proc, read asynchronously so the load generator sharing this
// event loop is not held up by a sample.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** One reading of the tree. Memory in kB, summed over every process of the tree. */
export interface TreeReading {
  /** Processes in the tree (the root included). */
  processes: number;
  /** Resident set: double-counts every page two processes share (shared buffers, libraries). */
  rssKb: number;
  /** Proportional set (shared pages split between the processes mapping them); null where smaps_rollup is unreadable. */
  pssKb: number | null;
  /**
   * The processes' own heap: private anonymous memory (Pss_Anon, or RssAnon where smaps_rollup is
   * unreadable). Excludes the shared memory segment, which fills up to its configured size as
   * pages are first touched (cache warming, not growth).
   */
  anonKb: number;
  /** Shared memory (Pss_Shmem, or RssShmem): the shared buffers the tree has touched. */
  shmemKb: number;
  /**
   * CPU time of the tree so far, in clock ticks: user + system of every live process, plus the
   * root's cutime/cstime (its children that exited and were reaped), so a backend that ends
   * between two readings keeps counting.
   */
  cpuTicks: number;
}

/** Clock ticks per second (getconf CLK_TCK; 100 where it cannot be asked). */
export const CLOCK_TICKS: number = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2_000 }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** True when this machine has a /proc to read the tree from. */
export function procAvailable(): boolean {
  return existsSync('/proc/self/stat');
}

interface Stat {
  ppid: number;
  ticks: number;
  childTicks: number;
}

function parseStat(text: string): Stat | undefined {
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): field n is f[n - 3].
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]) };
}

const read = (p: string): Promise<string | undefined> => readFile(p, 'utf8').catch(() => undefined);

async function children(pid: number, all?: Map<number, number>): Promise<number[]> {
  if (!all) {
    const text = await read(`/proc/${pid}/task/${pid}/children`);
    if (text !== undefined) return text.split(' ').filter(Boolean).map(Number);
  }
  const out: number[] = [];
  for (const [p, pp] of all ?? new Map()) if (pp === pid) out.push(p);
  return out;
}

/** Every process's parent, from a scan of /proc (where /proc/PID/task/PID/children is missing). */
async function parents(): Promise<Map<number, number>> {
  const m = new Map<number, number>();
  const names = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => /^\d+$/.test(n))
      .map(async (n) => {
        const s = await read(`/proc/${n}/stat`);
        const st = s === undefined ? undefined : parseStat(s);
        if (st) m.set(Number(n), st.ppid);
      }),
  );
  return m;
}

const field = (text: string, name: string): number | undefined => {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

let childrenFileWorks: boolean | undefined;

/** Reads the tree under `rootPid`; undefined when the root process is gone. */
export async function readTree(rootPid: number): Promise<TreeReading | undefined> {
  const rootStat = await read(`/proc/${rootPid}/stat`);
  if (rootStat === undefined) return undefined;
  childrenFileWorks ??= existsSync(`/proc/${rootPid}/task/${rootPid}/children`);
  const all = childrenFileWorks ? undefined : await parents();
  const pids = [rootPid];
  for (let i = 0; i < pids.length && pids.length < 100_000; i++) pids.push(...(await children(pids[i]!, all)));
  const r: TreeReading = { processes: 0, rssKb: 0, pssKb: 0, anonKb: 0, shmemKb: 0, cpuTicks: 0 };
  await Promise.all(
    pids.map(async (pid) => {
      const [stat, status, rollup] = await Promise.all([read(`/proc/${pid}/stat`), read(`/proc/${pid}/status`), read(`/proc/${pid}/smaps_rollup`)]);
      const st = stat === undefined ? undefined : parseStat(stat);
      // A process that exited between the listing and the read is simply not in this reading.
      if (!st || status === undefined) return;
      r.processes++;
      r.cpuTicks += st.ticks + (pid === rootPid ? st.childTicks : 0);
      r.rssKb += field(status, 'VmRSS') ?? 0;
      const pss = rollup === undefined ? undefined : field(rollup, 'Pss');
      const pssAnon = rollup === undefined ? undefined : field(rollup, 'Pss_Anon');
      const pssShmem = rollup === undefined ? undefined : field(rollup, 'Pss_Shmem');
      if (pss === undefined) r.pssKb = null;
      else if (r.pssKb !== null) r.pssKb += pss;
      r.anonKb += pssAnon ?? field(status, 'RssAnon') ?? 0;
      r.shmemKb += pssShmem ?? field(status, 'RssShmem') ?? 0;
    }),
  );
  return r;
}

/** Whether `pid` is `root` or one of its descendants (checks that --server-pid names this endpoint's server). */
export async function inTree(root: number, pid: number): Promise<boolean> {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === root) return true;
    const s = await read(`/proc/${p}/stat`);
    const st = s === undefined ? undefined : parseStat(s);
    if (!st) return false;
    p = st.ppid;
  }
  return false;
}
