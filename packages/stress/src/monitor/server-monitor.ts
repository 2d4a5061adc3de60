/**
 * The server monitor every stress target carries: while a case runs, it samples the endpoint in the
 * background into a time series the report keeps with the case.
 *
 * - With the server's process ID (the throwaway PostgreSQL the suite started itself, or
 *   `--server-pid N`): memory and CPU of the server's whole process tree from /proc (see
 *   {@link TreeReading} for what is summed).
 * - Always, from SQL on one session of its own: client connections and how many are active.
 *
 * A case that needs memory or CPU and has no process ID is `n/a` with {@link ServerMonitor.unavailable}.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlEndpoint, SqlSession } from '@helios-conformance/sql';
import { CLOCK_TICKS, readTree, type TreeReading } from './proc-tree.js';

/** One sample. Memory in kB over the server's process tree; null where the figure is not available. */
export interface ServerSample {
  /** Milliseconds since the monitor started. */
  tMs: number;
  processes: number | null;
  rssKb: number | null;
  pssKb: number | null;
  anonKb: number | null;
  shmemKb: number | null;
  /** CPU of the tree since the previous sample: % of one core, and % of the whole machine (all its cores). */
  cpuCorePct: number | null;
  cpuMachinePct: number | null;
  /** Client connections the server reports (pg_stat_activity), and how many of them run a statement. */
  connections: number | null;
  active: number | null;
}

/** A moment a case marks on the series (load started, checkpoint issued, …). */
export interface ServerMark {
  tMs: number;
  label: string;
}

/** What a monitored stretch of a case recorded (the report's `server` section, per case). */
export interface ServerSeries {
  /** `proc`: /proc of the process tree under `pid` (and SQL); `sql`: SQL figures only, with the reason. */
  source: 'proc' | 'sql';
  pid: number | null;
  /** Where the pid came from. */
  pidFrom: 'testbed' | '--server-pid' | null;
  unavailable: string | null;
  intervalMs: number;
  cores: number;
  clockTicks: number;
  /** What each memory figure sums (stated in every report). */
  memoryNote: string;
  samples: ServerSample[];
  marks: ServerMark[];
  /** SQL samples that failed (the first message is kept). */
  sqlErrors: number;
  sqlError: string | null;
}

/** A running sampler. */
export interface MonitorRun {
  /** Milliseconds since the monitor started. */
  now(): number;
  mark(label: string): void;
  /** Takes one sample at once (and keeps it in the series). */
  sampleNow(): Promise<ServerSample>;
  /** Stops sampling (after one last sample) and returns the series. Idempotent. */
  stop(): Promise<ServerSeries>;
}

/** Starts {@link MonitorRun}s on one endpoint. */
export interface ServerMonitor {
  /** The server's process ID (read when each run starts: a restarted server has a new one), or null. */
  readonly pid: () => number | null;
  readonly pidFrom: 'testbed' | '--server-pid' | null;
  /** Why memory and CPU cannot be watched (null when they can). */
  readonly unavailable: string | null;
  start(o?: { intervalMs?: number; signal?: AbortSignal }): Promise<MonitorRun>;
}

export const MEMORY_NOTE =
  'sums over the server process tree (postmaster, backends, auxiliary processes): rss double-counts every shared page (shared buffers, libraries) once per process; pss splits shared pages between the processes that map them; anon is the processes\' private heap (Pss_Anon, else RssAnon), shared memory excluded; shmem the shared buffers touched (Pss_Shmem, else RssShmem)';

const NO_PID = 'memory and CPU need the server\'s process ID: pass --server-pid (the server\'s main process, e.g. the postmaster, on this machine) or run without --dsn';

/** A monitor on `endpoint`; `pid` gives the server's process ID when it is known. */
export function serverMonitor(endpoint: SqlEndpoint, pid: (() => number | null) | null, pidFrom: 'testbed' | '--server-pid' | null): ServerMonitor {
  const unavailable = pid ? null : NO_PID;
  return {
    pid: pid ?? (() => null),
    pidFrom: pid ? pidFrom : null,
    unavailable,
    async start(o = {}) {
      const intervalMs = Math.max(50, Math.round(o.intervalMs ?? 250));
      const root = pid?.() ?? null;
      const cores = os.availableParallelism?.() ?? os.cpus().length;
      const series: ServerSeries = {
        source: root === null ? 'sql' : 'proc',
        pid: root,
        pidFrom: root === null ? null : pidFrom,
        unavailable: root === null ? (unavailable ?? NO_PID) : null,
        intervalMs,
        cores,
        clockTicks: CLOCK_TICKS,
        memoryNote: MEMORY_NOTE,
        samples: [],
        marks: [],
        sqlErrors: 0,
        sqlError: null,
      };
      const t0 = performance.now();
      let session: SqlSession | undefined;
      try {
        session = await endpoint.open(o.signal);
      } catch (e) {
        series.sqlErrors++;
        series.sqlError = e instanceof Error ? e.message : String(e);
      }
      let last: { t: number; reading: TreeReading } | undefined;
      let rootGone = false;
      let stopping = false;
      const halt = new AbortController();
      // SQL runs in a loop of its own (one query at a time): a server slow to answer under load
      // must not stretch the /proc samples' interval. Each sample carries the latest answer.
      let latestSql: { connections: number; active: number } | null = null;
      const sqlLoop = (async (): Promise<void> => {
        while (session && !stopping) {
          const t = performance.now();
          try {
            const r = await session.query(
              endpoint.dialect === 'mysql'
                ? "SELECT COUNT(*) AS n, COALESCE(SUM(COMMAND NOT IN ('Sleep', 'Daemon')), 0) AS a FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Daemon'"
                : "SELECT count(*)::int AS n, (count(*) FILTER (WHERE state = 'active'))::int AS a FROM pg_stat_activity WHERE backend_type = 'client backend'",
              [],
              AbortSignal.any([halt.signal, AbortSignal.timeout(Math.min(10_000, Math.max(2_000, intervalMs * 4)))]),
            );
            latestSql = { connections: Number(r.rows[0]?.n), active: Number(r.rows[0]?.a) };
          } catch (e) {
            if (stopping) break;
            series.sqlErrors++;
            series.sqlError ??= e instanceof Error ? e.message : String(e);
            latestSql = null;
          }
          if (!stopping) await sleep(Math.max(10, intervalMs - (performance.now() - t)), undefined, { signal: halt.signal }).catch(() => undefined);
        }
      })();

      const sample = async (): Promise<ServerSample> => {
        const reading = root === null || rootGone ? undefined : await readTree(root);
        const t = performance.now();
        if (root !== null && !reading && !rootGone) {
          rootGone = true;
          series.unavailable = `the server process ${root} exited during the case`;
        }
        let cpu: number | null = null;
        if (reading && last && t > last.t) cpu = ((reading.cpuTicks - last.reading.cpuTicks) / CLOCK_TICKS / ((t - last.t) / 1000)) * 100;
        if (reading) last = { t, reading };
        const sql = latestSql as { connections: number; active: number } | null;
        const s: ServerSample = {
          tMs: Math.round(t - t0),
          processes: reading?.processes ?? null,
          rssKb: reading?.rssKb ?? null,
          pssKb: reading?.pssKb ?? null,
          anonKb: reading?.anonKb ?? null,
          shmemKb: reading?.shmemKb ?? null,
          cpuCorePct: cpu === null ? null : round1(Math.max(0, cpu)),
          cpuMachinePct: cpu === null ? null : round1(Math.max(0, cpu) / cores),
          connections: sql?.connections ?? null,
          active: sql?.active ?? null,
        };
        series.samples.push(s);
        return s;
      };

      await sample();
      let stopped: Promise<ServerSeries> | undefined;
      let pending: Promise<unknown> = Promise.resolve();
      // A fixed cadence, never overlapping: the next sample is due one interval after the last
      // one started (at once when a slow reading overran it).
      let timer: NodeJS.Timeout | undefined;
      const loop = (delay: number): void => {
        timer = setTimeout(() => {
          const began = performance.now();
          pending = sample().finally(() => {
            if (!stopped) loop(Math.max(0, intervalMs - (performance.now() - began)));
          });
        }, delay);
      };
      loop(intervalMs);
      const onAbort = (): void => void run.stop();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const run: MonitorRun = {
        now: () => Math.round(performance.now() - t0),
        mark(label) {
          series.marks.push({ tMs: Math.round(performance.now() - t0), label });
        },
        async sampleNow() {
          await pending.catch(() => undefined);
          return sample();
        },
        stop() {
          stopped ??= (async () => {
            clearTimeout(timer);
            o.signal?.removeEventListener('abort', onAbort);
            await pending.catch(() => undefined);
            if (!o.signal?.aborted) await sample().catch(() => undefined);
            stopping = true;
            halt.abort();
            await sqlLoop;
            await session?.close();
            return series;
          })();
          return stopped;
        },
      };
      return run;
    },
  };
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** The memory figure a case judges, by name. */
export type MemoryBasis = 'anon' | 'pss' | 'rss';

/** `basis` of a sample, falling back to rss where pss is not readable. */
export function memoryOf(s: ServerSample, basis: MemoryBasis): number | null {
  if (basis === 'anon') return s.anonKb;
  if (basis === 'pss') return s.pssKb ?? s.rssKb;
  return s.rssKb;
}

/** Median of the non-null values. */
export function median(values: ReadonlyArray<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}
