/**
 * The load generator.
 *
 * **Open loop** (`mode: 'open'`): operations arrive at a constant rate whatever the endpoint does;
 * operation i is *intended* to start at t0 + i / rate. It is sent as soon as a connection has a free
 * slot (`inFlightPerConnection`, 1 by default: a client that waits for each answer, as an
 * application's pool connection does), so when the endpoint stalls, operations queue in the
 * generator and go out late. Two latencies per operation:
 * - *corrected* = completion − intended start: what a user arriving at that moment waited. This is
 *   free of coordinated omission (the stall delays every operation that should have run during it);
 * - *raw* = completion − actual send: what a closed-loop benchmark would report, which hides a
 *   stall behind the few operations that happened to be in flight when it began.
 *
 * **Closed loop** (`mode: 'closed'`): every connection keeps `inFlightPerConnection` operations in
 * flight (pipelined) and sends the next one when an answer comes: the maximum throughput, as
 * pgbench measures it. There is no schedule, so only raw latency exists.
 *
 * Operations that start during the warm-up are executed and not counted. Every run is bounded by
 * `durationMs` (and `maxOps`), then at most `drainMs` to collect the answers still in flight.
 */
import { performance } from 'node:perf_hooks';
import type { LoadConnection, LoadDriver, LoadOutcome, Workload } from './driver.js';
import { encodeHistogram, newHistogram, spectrum, summarize, type LatencyHistogram, type LatencySummary } from './histogram.js';
import { createRng } from '@helios-conformance/core';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  driver: LoadDriver;
  workload: Workload;
  /** Connections opened before the clock starts. */
  connections: number;
  mode: 'open' | 'closed';
  /** Open loop: operations per second, over all connections. */
  ratePerSec?: number;
  /** Operations in flight per connection: the most (open loop) or always (closed loop). Default 1. */
  inFlightPerConnection?: number;
  /** Length of the run, warm-up included. */
  durationMs: number;
  /** Operations started (open loop: intended to start) before this are not counted. Default 0. */
  warmupMs?: number;
  /** At most this many operations in all. */
  maxOps?: number;
  /** Seeds the workload's choices (which rows, which statement), so a run can be replayed. */
  seed: number;
  /** Open loop: an operation sent more than this after its intended start counts as late. Default 5 ms. */
  lateAfterMs?: number;
  /** Open loop: operations waiting for a connection beyond this many are dropped (oldest first). Default max(1000, 2 s of the rate). */
  maxBacklog?: number;
  /** After the schedule ends, how long answers still in flight are awaited. Default 2000 ms. */
  drainMs?: number;
  /** Goodput counts successful operations at most this slow (corrected in the open loop). Default: every success. */
  goodputWithinMs?: number;
  signal?: AbortSignal;
  /** Called once a second with that second's figures (for a progress line). */
  onSecond?: (s: SecondStats) => void;
  /** Called when the clock starts (every connection open): lets a caller line other figures up with the schedule. */
  onClockStart?: () => void;
}

/** One second of a run. */
export interface SecondStats {
  /** Seconds since the clock started (the first is 1). */
  second: number;
  warmup: boolean;
  completed: number;
  errors: number;
  /** Operations waiting for a connection at the end of the second (open loop). */
  backlog: number;
  raw: { p50: number | null; p99: number | null };
  corrected: { p50: number | null; p99: number | null } | null;
  /** The second's HdrHistograms (compressed base64, microseconds), so shards' timelines merge exactly. */
  histograms: { raw: string; corrected: string | null };
}

/** What a run measured (warm-up excluded). */
export interface LoadResult {
  mode: 'open' | 'closed';
  family: string;
  connections: number;
  inFlightPerConnection: number;
  ratePerSec: number | null;
  seed: number;
  warmupMs: number;
  /** Length of the measured window (the schedule after warm-up), ms. */
  measuredMs: number;
  /** Open loop: operations the schedule intended in the measured window. */
  intended: number | null;
  sent: number;
  completed: number;
  succeeded: number;
  errors: Record<string, number>;
  /** First message per error code. */
  errorMessages: Record<string, string>;
  /** Open loop: sent more than `lateAfterMs` after their intended start. */
  late: number;
  lateAfterMs: number;
  /** Open loop: never sent (the backlog overflowed, or the run ended first). */
  dropped: number;
  /** Sent and not answered within the drain time. */
  unfinished: number;
  /** Completed operations per second of the measured window. */
  throughput: number;
  /** Successful operations within `goodputWithinMs` per second of the measured window. */
  goodput: number;
  goodputWithinMs: number | null;
  /** Completion − actual send, successful operations. */
  raw: LatencySummary;
  /** Completion − intended start (open loop); dropped and unfinished operations enter at their lower bound. */
  corrected: LatencySummary | null;
  spectrum: { raw: Array<[number, number]>; corrected: Array<[number, number]> | null };
  /** HdrHistogram compressed base64 (microseconds), for exact merges later. */
  histograms: { raw: string; corrected: string | null };
  timeline: SecondStats[];
}

/** A ring of (intended start, send time) per connection, in send order. */
class Ring {
  private readonly intended: Float64Array;
  private readonly sent: Float64Array;
  private head = 0;
  private size = 0;
  constructor(private readonly cap: number) {
    this.intended = new Float64Array(cap);
    this.sent = new Float64Array(cap);
  }
  push(intended: number, sent: number): void {
    const i = (this.head + this.size) % this.cap;
    this.intended[i] = intended;
    this.sent[i] = sent;
    this.size++;
  }
  /** Removes the oldest entry; its values are left in `out`. */
  shift(out: { intended: number; sent: number }): void {
    out.intended = this.intended[this.head]!;
    out.sent = this.sent[this.head]!;
    this.head = (this.head + 1) % this.cap;
    this.size--;
  }
  get length(): number {
    return this.size;
  }
}

/** Intended start times waiting for a free connection (open loop), oldest first. */
class Backlog {
  private a: Float64Array;
  private head = 0;
  size = 0;
  constructor(readonly cap: number) {
    this.a = new Float64Array(cap);
  }
  push(t: number): void {
    this.a[(this.head + this.size) % this.cap] = t;
    this.size++;
  }
  shift(): number {
    const t = this.a[this.head]!;
    this.head = (this.head + 1) % this.cap;
    this.size--;
    return t;
  }
}

const us = (ms: number): number => Math.max(1, Math.round(ms * 1000));

/** Runs one load and returns its figures. Opens `connections` connections first and closes them all at the end. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const open = o.mode === 'open';
  if (open && !(o.ratePerSec && o.ratePerSec > 0)) throw new RangeError('an open-loop run needs ratePerSec > 0');
  if (!(o.connections >= 1)) throw new RangeError('connections must be at least 1');
  const depth = Math.max(1, Math.floor(o.inFlightPerConnection ?? 1));
  const warmupMs = Math.max(0, o.warmupMs ?? 0);
  const lateAfterMs = o.lateAfterMs ?? 5;
  const drainMs = o.drainMs ?? 2_000;
  const rate = o.ratePerSec ?? 0;
  const maxOps = o.maxOps ?? Number.POSITIVE_INFINITY;
  // core's seeded generator, the one every case draws from: `--seed` replays the workload's choices.
  const random = createRng(o.seed).next;
  const params: Array<number | string> = [];
  const goodWithinUs = o.goodputWithinMs === undefined ? Number.POSITIVE_INFINITY : us(o.goodputWithinMs);

  const raw = newHistogram();
  const corrected = open ? newHistogram() : undefined;
  const rawSecond = newHistogram();
  const correctedSecond = open ? newHistogram() : undefined;
  const errors: Record<string, number> = {};
  const counts = { sent: 0, completed: 0, succeeded: 0, good: 0, late: 0, dropped: 0, unfinished: 0, intended: 0 };
  const second = { completed: 0, errors: 0 };
  const timeline: SecondStats[] = [];

  // Filled in once the clock starts; the callbacks below only run after that.
  let t0 = 0;
  let measureFrom = 0;
  let stopped = false;
  const rings: Ring[] = [];
  const conns: LoadConnection[] = [];
  const entry = { intended: 0, sent: 0 };

  const record = (outcome: LoadOutcome, intended: number, sent: number, now: number): void => {
    const counted = open ? intended >= measureFrom : sent >= measureFrom;
    second.completed++;
    if (outcome !== undefined) second.errors++;
    if (!counted) return;
    counts.completed++;
    if (outcome !== undefined) {
      errors[outcome] = (errors[outcome] ?? 0) + 1;
      return;
    }
    counts.succeeded++;
    const r = us(now - sent);
    raw.recordValue(r);
    rawSecond.recordValue(r);
    let judged = r;
    if (corrected && correctedSecond) {
      judged = us(now - intended);
      corrected.recordValue(judged);
      correctedSecond.recordValue(judged);
    }
    if (judged <= goodWithinUs) counts.good++;
  };

  const backlog = new Backlog(Math.max(16, Math.floor(o.maxBacklog ?? Math.max(1_000, rate * 2))));
  let nextOp = 0;
  const totalOps = open ? Math.min(maxOps, Math.floor((rate * o.durationMs) / 1000)) : maxOps;
  const interval = open ? 1000 / rate : 0;
  let rr = 0;

  const sendOn = (k: number, intended: number, now: number): void => {
    const index = o.workload.next(random, params);
    conns[k]!.send(index, params);
    rings[k]!.push(intended, now);
    counts.sent++;
  };

  /** Sends what is due: open loop from the backlog, closed loop to keep every connection full. */
  const pump = (): void => {
    const now = performance.now();
    if (open) {
      while (backlog.size > 0) {
        let k = -1;
        for (let j = 0; j < conns.length; j++) {
          const c = (rr + j) % conns.length;
          if (conns[c]!.open && conns[c]!.inFlight < depth) {
            k = c;
            break;
          }
        }
        if (k < 0) break;
        rr = (k + 1) % conns.length;
        const intended = backlog.shift();
        if (intended >= measureFrom && now - intended > lateAfterMs) counts.late++;
        sendOn(k, intended, now);
      }
    } else if (!stopped) {
      for (let k = 0; k < conns.length; k++) {
        const c = conns[k]!;
        while (c.open && c.inFlight < depth && counts.sent < totalOps) sendOn(k, now, now);
      }
    }
    for (const c of conns) c.flush();
  };

  let wake: (() => void) | undefined;
  const connected = await Promise.allSettled(
    Array.from({ length: o.connections }, (_, k) =>
      o.driver.connect(
        o.workload.statements,
        {
          onDone(outcome) {
            const ring = rings[k]!;
            if (ring.length === 0) return;
            ring.shift(entry);
            record(outcome, entry.intended, entry.sent, performance.now());
          },
          afterRead() {
            pump();
            if (wake && stopped && backlog.size === 0 && conns.every((c) => c.inFlight === 0)) wake();
          },
        },
        o.signal,
      ),
    ),
  );
  const failed = connected.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  for (const r of connected) if (r.status === 'fulfilled') conns.push(r.value);
  if (failed) {
    for (const c of conns) c.close();
    throw failed.reason;
  }
  for (let k = 0; k < conns.length; k++) rings.push(new Ring(depth + 1));

  t0 = performance.now();
  measureFrom = t0 + warmupMs;
  o.onClockStart?.();
  const end = t0 + o.durationMs;
  let timer: NodeJS.Timeout | undefined;
  let seconds = 0;
  const ticker = setInterval(() => {
    seconds++;
    const s: SecondStats = {
      second: seconds,
      warmup: performance.now() - t0 <= warmupMs + 1,
      completed: second.completed,
      errors: second.errors,
      backlog: backlog.size,
      raw: { p50: pct(rawSecond, 50), p99: pct(rawSecond, 99) },
      corrected: correctedSecond ? { p50: pct(correctedSecond, 50), p99: pct(correctedSecond, 99) } : null,
      histograms: { raw: encodeHistogram(rawSecond), corrected: correctedSecond ? encodeHistogram(correctedSecond) : null },
    };
    second.completed = 0;
    second.errors = 0;
    rawSecond.reset();
    correctedSecond?.reset();
    timeline.push(s);
    o.onSecond?.(s);
  }, 1000);

  await new Promise<void>((resolve) => {
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => {
      stopped = true;
      finish();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) return onAbort();
    // After the schedule: wait for answers (and, open loop, the backlog) until all are in or drainMs passed.
    const drain = (): void => {
      stopped = true;
      pump();
      wake = finish;
      if (conns.every((c) => c.inFlight === 0) && backlog.size === 0) return finish();
      timer = setTimeout(finish, drainMs);
    };
    if (!open) {
      pump();
      timer = setTimeout(drain, o.durationMs);
      return;
    }
    const tick = (): void => {
      timer = undefined;
      if (stopped) return;
      const now = performance.now();
      while (nextOp < totalOps) {
        const t = t0 + nextOp * interval;
        if (t > now || t >= end) break;
        if (t >= measureFrom) counts.intended++;
        if (backlog.size === backlog.cap) {
          // The oldest waiting operation is given up; it enters the corrected figures at the
          // latency it had already accumulated, so dropping can never make them look better.
          const old = backlog.shift();
          if (old >= measureFrom) {
            counts.dropped++;
            corrected!.recordValue(us(now - old));
          }
        }
        backlog.push(t);
        nextOp++;
      }
      pump();
      const t = t0 + nextOp * interval;
      if (nextOp >= totalOps || t >= end) {
        timer = setTimeout(drain, Math.max(0, end - performance.now()));
        return;
      }
      // Timers fire at millisecond granularity: every operation due by then goes out in that turn.
      timer = setTimeout(tick, Math.max(1, Math.floor(t - performance.now())));
    };
    tick();
  });
  clearInterval(ticker);

  // What never completed enters the corrected figures at its lower bound (now − intended start).
  const now = performance.now();
  while (backlog.size > 0) {
    const t = backlog.shift();
    if (t >= measureFrom) {
      counts.dropped++;
      corrected?.recordValue(us(now - t));
    }
  }
  for (const ring of rings) {
    while (ring.length > 0) {
      ring.shift(entry);
      if ((open ? entry.intended : entry.sent) >= measureFrom) {
        counts.unfinished++;
        corrected?.recordValue(us(now - entry.intended));
      }
    }
  }
  for (const c of conns) c.close();

  const measuredMs = Math.max(1, Math.min(o.durationMs, now - t0) - warmupMs);
  const perSec = (n: number): number => Math.round((n * 1000 * 10) / measuredMs) / 10;
  return {
    mode: o.mode,
    family: o.driver.family,
    connections: o.connections,
    inFlightPerConnection: depth,
    ratePerSec: open ? rate : null,
    seed: o.seed,
    warmupMs,
    measuredMs: Math.round(measuredMs),
    intended: open ? counts.intended : null,
    sent: counts.sent,
    completed: counts.completed,
    succeeded: counts.succeeded,
    errors,
    errorMessages: Object.fromEntries(o.driver.errorMessages),
    late: counts.late,
    lateAfterMs,
    dropped: counts.dropped,
    unfinished: counts.unfinished,
    throughput: perSec(counts.completed),
    goodput: perSec(counts.good),
    goodputWithinMs: o.goodputWithinMs ?? null,
    raw: summarize(raw),
    corrected: corrected ? summarize(corrected) : null,
    spectrum: { raw: spectrum(raw), corrected: corrected ? spectrum(corrected) : null },
    histograms: { raw: encodeHistogram(raw), corrected: corrected ? encodeHistogram(corrected) : null },
    timeline,
  };
}

function pct(h: LatencyHistogram, p: number): number | null {
  return h.totalCount === 0 ? null : Math.round(h.getValueAtPercentile(p)) / 1000;
}

/** One line for a second of a run: rate, percentiles, errors, backlog. */
export function formatSecond(s: SecondStats): string {
  const f = (v: number | null): string => (v === null ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(0));
  const lat = s.corrected
    ? `p50/p99 corrected ${f(s.corrected.p50)}/${f(s.corrected.p99)} ms, raw ${f(s.raw.p50)}/${f(s.raw.p99)} ms`
    : `p50/p99 ${f(s.raw.p50)}/${f(s.raw.p99)} ms`;
  return `${String(s.second).padStart(3)}s${s.warmup ? ' (warm-up)' : ''}: ${s.completed} ops/s, ${lat}, ${s.errors} errors${s.corrected ? `, backlog ${s.backlog}` : ''}`;
}

/**
 * A progress display for {@link LoadOptions.onSecond}: one line rewritten in place on a TTY, plain
 * lines otherwise (CI logs). Call `done()` at the end to leave the cursor on a fresh line.
 */
export function progressPrinter(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number } = process.stderr): { onSecond: (s: SecondStats) => void; done: () => void } {
  const tty = stream.isTTY === true;
  let wrote = false;
  return {
    onSecond(s) {
      const line = formatSecond(s);
      if (tty) {
        const width = Math.max(20, (stream.columns ?? 120) - 1);
        stream.write(`\r\x1b[2K${line.slice(0, width)}`);
        wrote = true;
      } else stream.write(`${line}\n`);
    },
    done() {
      if (tty && wrote) stream.write('\n');
    },
  };
}
