import { randomBytes } from 'node:crypto';
import type { ClassifiedError, IsolationLevel, SqlEndpoint, SqlResult, SqlSession } from '@helios-conformance/sql';
import { ANOMALIES, anomaly, formatRows } from './anomalies.js';
import type { AnomalyDefinition, AnomalyId, AnomalyVariant, MatrixCell, MatrixOutcome, MatrixRow, Observation, ScriptStep, SessionName, StepTrace, VariantResult } from './types.js';

/** Options of {@link runAnomaly} and {@link runMatrix}. */
export interface MatrixOptions {
  /** A statement that has not returned after this many ms is "blocked" (default 1500). */
  blockAfterMs?: number;
  /**
   * How long a blocked statement may stay blocked once the script has nothing else to do
   * before it is called hung and its session killed (default 10 s: longer than the 5 s lock
   * wait the MySQL sessions use).
   */
  releaseAfterMs?: number;
  /**
   * After a COMMIT, ROLLBACK or error, how long to give blocked statements to finish (default
   * 300 ms): how much later than that answer a released statement's answer may arrive and still be
   * booked before the script's next step.
   */
  settleMs?: number;
  signal?: AbortSignal;
  /** Progress lines (one per script). */
  log?: (message: string) => void;
}

/** Default for {@link MatrixOptions.blockAfterMs}. */
export const DEFAULT_BLOCK_AFTER_MS = 1_500;
/** Default for {@link MatrixOptions.settleMs}. */
export const DEFAULT_SETTLE_MS = 300;
/** Default for {@link MatrixOptions.releaseAfterMs}. */
export const DEFAULT_RELEASE_AFTER_MS = 10_000;

type Settled = { ok: true; result: SqlResult } | { ok: false; error: unknown };

interface Pending {
  trace: StepTrace;
  step: ScriptStep;
  started: number;
  settled: Settled | undefined;
  done: Promise<void>;
}

interface SessionState {
  name: SessionName;
  session: SqlSession;
  pending: Pending | undefined;
  deferred: ScriptStep[];
  aborted: boolean;
  committed: boolean;
}

interface Labelled {
  rows?: Map<number, number>;
  affected?: number;
}

const kindWord = (e: ClassifiedError): string => e.code ?? e.kind;

function toRowMap(rows: Record<string, unknown>[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of rows) m.set(Number(r.id), Number(r.value));
  return m;
}

function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((r) => {
    timer = setTimeout(r, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
}

/** Runs `p` for at most `ms`; never rejects. */
async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  const d = delay(ms);
  try {
    await Promise.race([p.then(() => undefined, () => undefined), d.promise]);
  } finally {
    d.cancel();
  }
}

/**
 * Runs one script at one level in its own table and judges it from what was observed.
 * Sessions are always closed and the table dropped, also on failure or abort.
 */
export async function runVariant(
  endpoint: SqlEndpoint,
  level: IsolationLevel,
  def: AnomalyDefinition,
  variant: AnomalyVariant,
  o: MatrixOptions = {},
): Promise<VariantResult> {
  const run = new ScriptRun(endpoint, level, def, variant, o);
  try {
    await run.prepare();
    await run.play();
    await run.waitOutBlocked();
    await run.endTransactions();
    return await run.judge();
  } finally {
    await run.cleanup();
  }
}

/** One script at one level: its sessions, what they observed, and the phases of {@link runVariant}. */
class ScriptRun {
  private readonly blockAfterMs: number;
  private readonly releaseAfterMs: number;
  private readonly settleMs: number;
  private readonly signal: AbortSignal | undefined;
  private readonly table: string;
  private readonly trace: StepTrace[] = [];
  private readonly labels = new Map<string, Labelled>();
  private readonly states = new Map<SessionName, SessionState>();
  private readonly stepIndex = new Map<ScriptStep, number>();
  /** Why the script could not be carried out, once something made it so. */
  private inconclusive: string | undefined;
  private observer: SqlSession | undefined;
  private created = false;

  constructor(
    private readonly endpoint: SqlEndpoint,
    private readonly level: IsolationLevel,
    def: AnomalyDefinition,
    private readonly variant: AnomalyVariant,
    o: MatrixOptions,
  ) {
    this.blockAfterMs = o.blockAfterMs ?? DEFAULT_BLOCK_AFTER_MS;
    this.releaseAfterMs = o.releaseAfterMs ?? DEFAULT_RELEASE_AFTER_MS;
    this.settleMs = o.settleMs ?? DEFAULT_SETTLE_MS;
    this.signal = o.signal;
    this.table = endpoint.qualify(`hm_${def.id.replace(/\W/g, '').toLowerCase()}_${randomBytes(4).toString('hex')}`);
    variant.steps.forEach((s, i) => this.stepIndex.set(s, i));
  }

  /** The table with rows (1,10), (2,20), an observer session, and one session per script session. */
  async prepare(): Promise<void> {
    const { endpoint, signal, table } = this;
    this.observer = await endpoint.open(signal);
    await this.observer.query(`CREATE TABLE ${table} (id int primary key, value int)`, [], signal);
    this.created = true;
    await this.observer.query(`INSERT INTO ${table} (id, value) VALUES (1, 10), (2, 20)`, [], signal);
    for (const name of new Set(this.variant.steps.map((s) => s.session))) {
      this.states.set(name, { name, session: await endpoint.open(signal), pending: undefined, deferred: [], aborted: false, committed: false });
    }
  }

  /** Types the script, step by step. */
  async play(): Promise<void> {
    for (const [i, step] of this.variant.steps.entries()) {
      await this.drain();
      const st = this.states.get(step.session)!;
      // A blocked session's next steps wait behind it, the way a human types into another terminal.
      if (st.pending || st.deferred.length > 0) st.deferred.push(step);
      else await this.execute(st, step, i);
    }
  }

  /** Nothing left to type: wait for the blocked statements, or call them hung and kill their sessions. */
  async waitOutBlocked(): Promise<void> {
    for (;;) {
      await this.drain();
      const open = [...this.states.values()].filter((s) => s.pending);
      if (open.length === 0) return;
      const oldest = Math.min(...open.map((s) => s.pending!.started));
      const left = this.releaseAfterMs - (performance.now() - oldest);
      if (left > 0) {
        await bounded(Promise.race(open.map((s) => s.pending!.done)), left);
        throwIfAborted(this.signal);
        continue;
      }
      // Hung: kill the oldest blocked session so the others can go on.
      const victim = open.find((s) => s.pending!.started === oldest)!;
      const p = victim.pending!;
      victim.pending = undefined;
      p.trace.status = 'hung';
      p.trace.ms = Math.round(performance.now() - p.started);
      this.inconclusive ??= `${victim.name} \`${this.sqlOf(p.step)}\` was still blocked after ${this.releaseAfterMs} ms`;
      victim.aborted = true;
      victim.deferred.length = 0;
      await this.endpoint.killSession(victim.session.backendId, this.signal).catch(() => undefined);
      victim.session.destroy();
    }
  }

  /** Steps that never ran are traced as skipped; a transaction the script left open (its COMMIT was skipped) ends here. */
  async endTransactions(): Promise<void> {
    for (const st of this.states.values()) {
      for (const step of st.deferred) this.trace.push({ step: this.stepIndex.get(step) ?? -1, session: st.name, sql: shown(step), blocked: false, status: 'skipped', ms: 0 });
      st.deferred.length = 0;
      if (!st.committed) await st.session.rollback(this.signal);
    }
  }

  /** Reads the final table and asks the witness: allowed, else inconclusive, else prevented (and how). */
  async judge(): Promise<VariantResult> {
    const { trace, labels, states } = this;
    const finalRows = toRowMap((await this.observer!.query(`SELECT id, value FROM ${this.table} ORDER BY id`, [], this.signal)).rows);
    const obs: Observation = {
      rows: (l) => labels.get(l)?.rows,
      affected: (l) => labels.get(l)?.affected,
      committed: (s) => states.get(s)?.committed ?? false,
      final: finalRows,
    };
    const witness = this.variant.witness(obs);
    let outcome: MatrixOutcome;
    let how: string;
    if (witness) {
      outcome = 'allowed';
      how = witness;
    } else if (this.inconclusive) {
      outcome = 'inconclusive';
      how = this.inconclusive;
    } else {
      outcome = 'prevented';
      const parts: string[] = [];
      if (trace.some((t) => t.blocked)) parts.push('blocked');
      const errs = [...new Set(trace.filter((t) => t.error).map((t) => kindWord(t.error as ClassifiedError)))];
      if (errs.length) parts.push(`aborted (${errs.join(', ')})`);
      how = parts.join(', then ') || 'no effect';
    }
    const reads: Record<string, string> = {};
    for (const [l, v] of labels) if (v.rows) reads[l] = formatRows(v.rows);
    return { variant: this.variant.name, outcome, how, steps: trace, final: formatRows(finalRows), reads };
  }

  /** Kills blocked statements' backends (so nothing holds the DROP up), closes the sessions, drops the table. */
  async cleanup(): Promise<void> {
    const { endpoint, signal, observer } = this;
    const blocked = [...this.states.values()].filter((s) => s.pending && !s.pending.settled);
    await bounded(Promise.all(blocked.map((s) => endpoint.killSession(s.session.backendId))), 5_000);
    await Promise.all([...this.states.values()].map((s) => s.session.close()));
    if (this.created) {
      // The observer may be mid-statement after an abort: drop from a fresh, unsignalled session.
      const dropper = observer && !signal?.aborted ? observer : await endpoint.open().catch(() => undefined);
      if (dropper) {
        await bounded(dropper.query(`DROP TABLE IF EXISTS ${this.table}`), 10_000);
        if (dropper !== observer) await dropper.close();
      }
    }
    await observer?.close();
  }

  private sqlOf(step: ScriptStep): string {
    return step.sql.replaceAll('{t}', this.table);
  }

  private call(st: SessionState, step: ScriptStep): Promise<SqlResult> {
    const verb = step.sql.trim().toUpperCase();
    if (verb === 'BEGIN') return st.session.begin(this.level, this.signal).then(() => NO_RESULT);
    if (verb === 'COMMIT') return st.session.commit(this.signal).then(() => NO_RESULT);
    if (verb === 'ROLLBACK') return st.session.rollback(this.signal).then(() => NO_RESULT);
    return st.session.query(this.sqlOf(step), step.params ?? [], this.signal);
  }

  /** Runs a step; one that has not returned after `blockAfterMs` is left pending (blocked). */
  private async execute(st: SessionState, step: ScriptStep, index: number): Promise<void> {
    throwIfAborted(this.signal);
    const t: StepTrace = { step: index, session: st.name, sql: shown(step), blocked: false, status: 'skipped', ms: 0 };
    this.trace.push(t);
    if (st.aborted) return;
    const started = performance.now();
    const p: Pending = { trace: t, step, started, settled: undefined, done: Promise.resolve() };
    p.done = this.call(st, step).then(
      (result) => {
        p.settled = { ok: true, result };
      },
      (error: unknown) => {
        p.settled = { ok: false, error };
      },
    );
    await bounded(p.done, this.blockAfterMs);
    if (p.settled) {
      await this.record(st, step, t, started, p.settled);
      const verb = step.sql.trim().toUpperCase();
      if (verb === 'COMMIT' || verb === 'ROLLBACK' || !p.settled.ok) await this.settleWindow();
    } else {
      t.blocked = true;
      st.pending = p;
    }
  }

  /** Books a finished statement: observations, commit, or an error that aborts the transaction. */
  private async record(st: SessionState, step: ScriptStep, t: StepTrace, started: number, s: Settled): Promise<void> {
    t.ms = Math.round(performance.now() - started);
    const verb = step.sql.trim().toUpperCase();
    if (s.ok) {
      t.status = 'ok';
      if (s.result.rows.length > 0 || /^SELECT/i.test(step.sql.trim())) t.rows = formatRows(toRowMap(s.result.rows));
      if (s.result.affected !== undefined && !/^SELECT/i.test(step.sql.trim())) t.affected = s.result.affected;
      if (step.label) this.labels.set(step.label, { rows: toRowMap(s.result.rows), affected: s.result.affected });
      if (verb === 'COMMIT') st.committed = true;
      return;
    }
    throwIfAborted(this.signal);
    const c = this.endpoint.classify(s.error);
    t.status = 'error';
    t.error = { kind: c.kind, code: c.code, message: c.message.split('\n')[0] ?? '' };
    st.aborted = true;
    // Only a concurrency abort (40001/1020, deadlock, lock timeout) is the level at work; any other
    // refusal, a lost session or a harness error means the script was not carried out.
    if (c.kind === 'other' || c.kind === 'refused' || c.kind === 'connection-lost') {
      this.inconclusive ??= `${st.name} \`${this.sqlOf(step)}\` failed: ${c.code ? `${c.code} ` : ''}${t.error.message}`;
    }
    // A human rolls the failed transaction back; PostgreSQL keeps its locks until then.
    await st.session.rollback(this.signal);
  }

  /**
   * After a COMMIT, ROLLBACK or error: a moment for blocked statements to finish. For all of them,
   * not the first to answer: two statements one COMMIT released may answer in either order (a hop
   * on the way decides), and which of them is booked before the next step must not depend on that.
   */
  private async settleWindow(): Promise<void> {
    const open = [...this.states.values()].filter((s) => s.pending && !s.pending.settled);
    if (open.length === 0) return;
    await bounded(Promise.all(open.map((s) => s.pending!.done)), this.settleMs);
  }

  /** Books every blocked statement that has finished and runs the steps that waited behind it. */
  private async drain(): Promise<void> {
    for (const st of this.states.values()) {
      while (st.pending?.settled) {
        const p = st.pending;
        st.pending = undefined;
        await this.record(st, p.step, p.trace, p.started, p.settled!);
        if (!p.settled!.ok) await this.settleWindow();
        while (!st.pending && st.deferred.length > 0) {
          const next = st.deferred.shift()!;
          await this.execute(st, next, this.stepIndex.get(next) ?? -1);
        }
      }
    }
  }
}

/** A step's SQL as the trace shows it (the table called `test`, as in Hermitage). */
const shown = (step: ScriptStep): string => step.sql.replaceAll('{t}', 'test');

const NO_RESULT: SqlResult = Object.freeze({ rows: [], affected: undefined }) as SqlResult;

/**
 * Runs every script of one anomaly at one level. The cell is `allowed` when any variant showed
 * the anomaly, `inconclusive` when a script could not be carried out, else `prevented`.
 */
export async function runAnomaly(endpoint: SqlEndpoint, level: IsolationLevel, id: AnomalyId, o: MatrixOptions = {}): Promise<MatrixCell> {
  const def = anomaly(id);
  const results: VariantResult[] = [];
  for (const v of def.variants) {
    const t0 = performance.now();
    const r = await runVariant(endpoint, level, def, v, o);
    o.log?.(`${level} × ${id}${def.variants.length > 1 ? ` (${v.name})` : ''}: ${r.outcome} (${r.how}) in ${Math.round(performance.now() - t0)} ms`);
    results.push(r);
  }
  return cellOf(def, results);
}

function cellOf(def: AnomalyDefinition, results: VariantResult[]): MatrixCell {
  const multi = results.length > 1;
  const tag = (r: VariantResult): string => (multi ? `${r.variant}: ${r.how}` : r.how);
  const allowed = results.filter((r) => r.outcome === 'allowed');
  const unknown = results.filter((r) => r.outcome === 'inconclusive');
  let outcome: MatrixOutcome;
  let how: string;
  if (allowed.length) {
    outcome = 'allowed';
    how = allowed.map(tag).join('; ');
  } else if (unknown.length) {
    outcome = 'inconclusive';
    how = unknown.map(tag).join('; ');
  } else {
    outcome = 'prevented';
    const distinct = [...new Set(results.map((r) => r.how))];
    how = distinct.length === 1 ? distinct[0]! : results.map(tag).join('; ');
  }
  const variants: MatrixCell['variants'] = {};
  for (const r of results) variants[r.variant] = { outcome: r.outcome, how: r.how };
  return { outcome, how, variants, steps: results };
}

/** Runs the whole row of one level (every anomaly, in matrix order). */
export async function runMatrixRow(endpoint: SqlEndpoint, level: IsolationLevel, o: MatrixOptions & { anomalies?: readonly AnomalyId[] } = {}): Promise<MatrixRow> {
  const row: MatrixRow = {};
  for (const a of ANOMALIES) {
    if (o.anomalies && !o.anomalies.includes(a.id)) continue;
    row[a.id] = await runAnomaly(endpoint, level, a.id, o);
  }
  return row;
}

/** Runs the matrix for `levels` (default: every level the endpoint accepts). */
export async function runMatrix(
  endpoint: SqlEndpoint,
  o: MatrixOptions & { levels?: readonly IsolationLevel[]; anomalies?: readonly AnomalyId[] } = {},
): Promise<Partial<Record<IsolationLevel, MatrixRow>>> {
  const out: Partial<Record<IsolationLevel, MatrixRow>> = {};
  for (const level of o.levels ?? endpoint.levels) out[level] = await runMatrixRow(endpoint, level, o);
  return out;
}
