// The live-query analogue both T221 and T227 run: writers insert rows at a constant total rate into
// a table whose trigger NOTIFYs every row to a channel, and listening sessions receive them. Each
// row carries its writer, its sequence number and the writer's clock at send, so every listener
// can tell a missing, doubled or late notification, and the send → receive latency goes into an
// HdrHistogram (same process, same clock).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Client, Notification } from 'pg';
import { encodeHistogram, newHistogram, summarize, type LatencySummary } from '../../generator/histogram.js';
import type { StressContext } from '../../_internal/case-kit.js';
import { errorLine, sleep, sqlstateOf, type ClientSet } from './_kit.js';

/** feature not supported, undefined function or object (plpgsql, pg_notify), syntax error (no LISTEN). */
const NO_FEATURE = new Set(['0A000', '42883', '42704', '42601']);

/** Options of {@link runNotifyLoad}. */
export interface NotifyLoadOptions {
  clients: ClientSet;
  /** application_name of every session of the load (a suffix tells writers from listeners). */
  tag: string;
  writers: number;
  listeners: number;
  /** Inserts per second, all writers together, at a constant arrival rate. */
  ratePerSec: number;
  warmupMs: number;
  durationMs: number;
  /** How long listeners may take after the last insert to receive everything. */
  drainMs: number;
  /** Bytes of padding in each row (and so in each notification). */
  padBytes?: number;
  /** Called once the writers have started (T227 samples the backlog meanwhile). */
  onStart?: () => void;
}

/** What a notify load observed. */
export interface NotifyLoadResult {
  writers: number;
  listeners: number;
  ratePerSec: number;
  /** Inserts the schedule intended, and those the server committed. */
  intended: number;
  inserted: number;
  /** Sent more than 5 ms after their intended time (the writer was still waiting on its previous insert). */
  late: number;
  writeErrors: Record<string, number>;
  firstWriteError: string | null;
  /** Per listener: notifications received (duplicates included). */
  received: number[];
  /** Notifications a listener never got, all listeners together (inserted × listeners − unique received). */
  missing: number;
  /** Notifications a listener got twice or out of its writer's order. */
  duplicatesOrReordered: number;
  /** Sessions the server or the network ended while the load still used them. */
  disconnects: { listeners: number; writers: number };
  firstDisconnect: string | null;
  /** Send → receive, in ms, of notifications sent after the warm-up. */
  latency: LatencySummary;
  /** The latency histogram (HdrHistogram compressed base64, microseconds). */
  histogram: string;
  /**
   * How late this process's own event loop ran while the writers wrote (ms): a notification
   * waits that long before its listener's clock reads it, so a latency near these figures is
   * the load machine's, not the endpoint's.
   */
  kitLoopDelay: { p50: number; p99: number; max: number };
}

const now = (): number => performance.timeOrigin + performance.now();

/** Creates the notifying table in the run's namespace (dropped after the case) and runs the load. */
export async function runNotifyLoad(ctx: StressContext, o: NotifyLoadOptions): Promise<NotifyLoadResult> {
  const { endpoint } = ctx.target;
  const table = endpoint.qualify(`${ctx.id.toLowerCase()}_events`);
  const fn = endpoint.qualify(`${ctx.id.toLowerCase()}_notify`);
  // The channel is run-unique: another run's notifications never reach these listeners.
  const channel = o.tag;
  const setup = await endpoint.open(ctx.signal);
  ctx.defer(async () => {
    try {
      await setup.query(`DROP TABLE IF EXISTS ${table}`);
      await setup.query(`DROP FUNCTION IF EXISTS ${fn}()`);
    } finally {
      await setup.close();
    }
  });
  // An endpoint without triggers, pg_notify or LISTEN lacks the feature the case is about: n/a, not a failure.
  const unsupported = (e: unknown): never => {
    const code = sqlstateOf(e);
    if (code !== undefined && NO_FEATURE.has(code)) ctx.notApplicable(`the endpoint has no LISTEN/NOTIFY through triggers (${errorLine(e)})`);
    throw e;
  };
  try {
    await setup.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, writer int NOT NULL, seq int NOT NULL, sent_at float8 NOT NULL, pad text NOT NULL)`, [], ctx.signal);
    await setup.query(
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN PERFORM pg_notify(TG_ARGV[0], NEW.writer || ':' || NEW.seq || ':' || NEW.sent_at || ':' || NEW.pad); RETURN NULL; END $f$`,
      [],
      ctx.signal,
    );
    await setup.query(`CREATE TRIGGER notify_each AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}('${channel}')`, [], ctx.signal);
  } catch (e) {
    unsupported(e);
  }

  let stopping = false;
  let firstDisconnect: string | null = null;
  const disconnects = { listeners: 0, writers: 0 };
  const gone = new Set<string>();
  const lost = (who: 'listeners' | 'writers', i: number) => (e?: unknown) => {
    // A dropped session says so more than once ('error', then 'end'): count the session once.
    if (stopping || gone.has(`${who}${i}`)) return;
    gone.add(`${who}${i}`);
    disconnects[who]++;
    firstDisconnect ??= `${who === 'listeners' ? 'listener' : 'writer'} ${i}: ${e === undefined ? 'the session ended' : errorLine(e)}`;
  };

  const hist = newHistogram();
  const received = new Array<number>(o.listeners).fill(0);
  const nextSeq: number[][] = Array.from({ length: o.listeners }, () => new Array<number>(o.writers).fill(0));
  let duplicatesOrReordered = 0;
  let uniqueReceived = 0;
  let measuredFrom = Infinity;

  const listeners: Client[] = [];
  for (let i = 0; i < o.listeners; i++) {
    const c = await o.clients.open(`${o.tag}_listener`);
    c.on('error', lost('listeners', i));
    c.on('end', () => lost('listeners', i)());
    c.on('notification', (n: Notification) => {
      const t = now();
      if (n.channel !== channel || n.payload === undefined) return;
      const [w, s, at] = n.payload.split(':', 3).map(Number) as [number, number, number];
      received[i]!++;
      const expected = nextSeq[i]![w];
      // A writer commits its inserts one after another, so each listener sees its numbers rise.
      if (expected === undefined || s < expected) duplicatesOrReordered++;
      else {
        nextSeq[i]![w] = s + 1;
        uniqueReceived++;
      }
      if (at >= measuredFrom) hist.recordValue(Math.max(1, Math.round((t - at) * 1000)));
    });
    await c.query(`LISTEN "${channel}"`).catch(unsupported);
    listeners.push(c);
  }

  const writers: Client[] = [];
  for (let i = 0; i < o.writers; i++) {
    const c = await o.clients.open(`${o.tag}_writer`);
    c.on('error', lost('writers', i));
    writers.push(c);
  }

  const pad = 'x'.repeat(o.padBytes ?? 16);
  const interval = (1000 * o.writers) / o.ratePerSec;
  const total = o.warmupMs + o.durationMs;
  let intended = 0;
  let inserted = 0;
  let late = 0;
  const writeErrors: Record<string, number> = {};
  let firstWriteError: string | null = null;
  const t0 = now();
  measuredFrom = t0 + o.warmupMs;
  const writer = async (w: number, c: Client): Promise<void> => {
    // Writers are offset within one interval so the total rate is even, not in bursts of `writers`.
    for (let k = 0; ; k++) {
      const due = t0 + (k + w / o.writers) * interval;
      if (due - t0 >= total || ctx.signal.aborted) return;
      intended++;
      const wait = due - now();
      if (wait > 0) await sleep(wait, ctx.signal);
      else if (wait < -5) late++;
      try {
        await c.query({ name: 'hc_notify_insert', text: `INSERT INTO ${table} (writer, seq, sent_at, pad) VALUES ($1, $2, $3, $4)`, values: [w, k, now(), pad] });
        inserted++;
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'other';
        writeErrors[code] = (writeErrors[code] ?? 0) + 1;
        firstWriteError ??= errorLine(e);
        // A writer whose session is gone stops; its loss is counted as a disconnect.
        if (!/^[0-9A-Z]{5}$/.test(code)) {
          lost('writers', w)(e);
          return;
        }
      }
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const running = Promise.all(writers.map((c, w) => writer(w, c)));
  o.onStart?.();
  await running.finally(() => loop.disable());
  const loopMs = (ns: number): number => Math.round(ns / 1e4) / 100;

  // Listeners get a notification after its insert commits; give them the drain time to catch up.
  const drainUntil = now() + o.drainMs;
  while (received.some((n) => n < inserted) && now() < drainUntil && !ctx.signal.aborted) await sleep(20, ctx.signal);
  stopping = true;
  await o.clients.close([...listeners, ...writers]);

  return {
    writers: o.writers,
    listeners: o.listeners,
    ratePerSec: o.ratePerSec,
    intended,
    inserted,
    late,
    writeErrors,
    firstWriteError,
    received,
    missing: inserted * o.listeners - uniqueReceived,
    duplicatesOrReordered,
    disconnects,
    firstDisconnect,
    latency: summarize(hist),
    histogram: encodeHistogram(hist),
    kitLoopDelay: { p50: loopMs(loop.percentile(50)), p99: loopMs(loop.percentile(99)), max: loopMs(loop.max) },
  };
}
