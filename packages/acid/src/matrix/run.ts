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
  /** After a COMMIT, ROLLBACK or error, how long to give blocked statements to finish (default 300 ms). */
  settleMs?: number;
  signal?: AbortSignal;
  /** Progress lines (one per script). */
  log?: (message: string) => void;
}

/** Default for {@link MatrixOptions.blockAfterMs}. */
export const DEFAULT_BLOCK_AFTER_MS = 1_500;

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
  const blockAfterMs = o.blockAfterMs ?? DEFAULT_BLOCK_AFTER_MS;
  const releaseAfterMs = o.releaseAfterMs ?? 10_000;
  const settleMs = o.settleMs ?? 300;
  const signal = o.signal;
  const table = endpoint.qualify(`hm_${def.id.replace(/\W/g, '').toLowerCase()}_${randomBytes(4).toString('hex')}`);
  const trace: StepTrace[] = [];
  const labels = new Map<string, Labelled>();
  const states = new Map<SessionName, SessionState>();
  let inconclusive: string | undefined;
  let observer: SqlSession | undefined;
  let created = false;

  const sqlOf = (step: ScriptStep): string => step.sql.replaceAll('{t}', table);

  const call = (st: SessionState, step: ScriptStep): Promise<SqlResult> => {
    const verb = step.sql.trim().toUpperCase();
    if (verb === 'BEGIN') return st.session.begin(level, signal).then(() => ({ rows: [], affected: undefined }));
    if (verb === 'COMMIT') return st.session.commit(signal).then(() => ({ rows: [], affected: undefined }));
    if (verb === 'ROLLBACK') return st.session.rollback(signal).then(() => ({ rows: [], affected: undefined }));
    return st.session.query(sqlOf(step), step.params ?? [], signal);
  };

  /** Books a finished statement: observations, commit, or an error that aborts the transaction. */
  const record = async (st: SessionState, step: ScriptStep, t: StepTrace, started: number, s: Settled): Promise<void> => {
    t.ms = Math.round(performance.now() - started);
    const verb = step.sql.trim().toUpperCase();
    if (s.ok) {
      t.status = 'ok';
      if (s.result.rows.length > 0 || /^SELECT/i.test(step.sql.trim())) t.rows = formatRows(toRowMap(s.result.rows));
      if (s.result.affected !== undefined && !/^SELECT/i.test(step.sql.trim())) t.affected = s.result.affected;
      if (step.label) labels.set(step.label, { rows: toRowMap(s.result.rows), affected: s.result.affected });
      if (verb === 'COMMIT') st.committed = true;
      return;
    }
    throwIfAborted(signal);
    const c = endpoint.classify(s.error);
    t.status = 'error';
    t.error = { kind: c.kind, code: c.code, message: c.message.split('\n')[0] ?? '' };
    st.aborted = true;
    // Only a concurrency abort (40001/1020, deadlock, lock timeout) is the level at work; any other
    // refusal, a lost session or a harness error means the script was not carried out.
    if (c.kind === 'other' || c.kind === 'refused' || c.kind === 'connection-lost') {
      inconclusive ??= `${st.name} \`${sqlOf(step)}\` failed: ${c.code ? `${c.code} ` : ''}${t.error.message}`;
    }
    // A human rolls the failed transaction back; PostgreSQL keeps its locks until then.
    await st.session.rollback(signal);
  };

  const settleWindow = async (): Promise<void> => {
    const open = [...states.values()].filter((s) => s.pending && !s.pending.settled);
    if (open.length === 0) return;
    const d = delay(settleMs);
    try {
      await Promise.race([Promise.race(open.map((s) => s.pending!.done)), d.promise]);
    } finally {
      d.cancel();
    }
  };

  const execute = async (st: SessionState, step: ScriptStep, index: number): Promise<void> => {
    throwIfAborted(signal);
    const t: StepTrace = { step: index, session: st.name, sql: step.sql.replaceAll('{t}', 'test'), blocked: false, status: 'skipped', ms: 0 };
    trace.push(t);
    if (st.aborted) return;
    const started = performance.now();
    const p: Pending = { trace: t, step, started, settled: undefined, done: Promise.resolve() };
    p.done = call(st, step).then(
      (result) => {
        p.settled = { ok: true, result };
      },
      (error: unknown) => {
        p.settled = { ok: false, error };
      },
    );
    const d = delay(blockAfterMs);
    try {
      await Promise.race([p.done, d.promise]);
    } finally {
      d.cancel();
    }
    if (p.settled) {
      await record(st, step, t, started, p.settled);
      const verb = step.sql.trim().toUpperCase();
      if (verb === 'COMMIT' || verb === 'ROLLBACK' || !p.settled.ok) await settleWindow();
    } else {
      t.blocked = true;
      st.pending = p;
    }
  };

  /** Books every blocked statement that has finished and runs the steps that waited behind it. */
  const drain = async (): Promise<boolean> => {
    let progressed = false;
    for (const st of states.values()) {
      while (st.pending?.settled) {
        const p = st.pending;
        st.pending = undefined;
        await record(st, p.step, p.trace, p.started, p.settled!);
        progressed = true;
        if (!p.settled!.ok) await settleWindow();
        while (!st.pending && st.deferred.length > 0) {
          const next = st.deferred.shift()!;
          await execute(st, next, stepIndex.get(next) ?? -1);
        }
      }
    }
    return progressed;
  };

  const stepIndex = new Map<ScriptStep, number>();
  variant.steps.forEach((s, i) => stepIndex.set(s, i));

  try {
    observer = await endpoint.open(signal);
    await observer.query(`CREATE TABLE ${table} (id int primary key, value int)`, [], signal);
    created = true;
    await observer.query(`INSERT INTO ${table} (id, value) VALUES (1, 10), (2, 20)`, [], signal);
    for (const name of new Set(variant.steps.map((s) => s.session))) {
      states.set(name, { name, session: await endpoint.open(signal), pending: undefined, deferred: [], aborted: false, committed: false });
    }

    for (const [i, step] of variant.steps.entries()) {
      await drain();
      const st = states.get(step.session)!;
      // A blocked session's next steps wait behind it, the way a human types into another terminal.
      if (st.pending || st.deferred.length > 0) st.deferred.push(step);
      else await execute(st, step, i);
    }

    // Nothing left to type: wait for the blocked statements, or call them hung.
    for (;;) {
      await drain();
      const open = [...states.values()].filter((s) => s.pending);
      if (open.length === 0) break;
      const oldest = Math.min(...open.map((s) => s.pending!.started));
      const left = releaseAfterMs - (performance.now() - oldest);
      if (left > 0) {
        const d = delay(left);
        try {
          await Promise.race([Promise.race(open.map((s) => s.pending!.done)), d.promise]);
        } finally {
          d.cancel();
        }
        throwIfAborted(signal);
        continue;
      }
      // Hung: kill the oldest blocked session so the others can go on.
      const victim = open.find((s) => s.pending!.started === oldest)!;
      const p = victim.pending!;
      victim.pending = undefined;
      p.trace.status = 'hung';
      p.trace.ms = Math.round(performance.now() - p.started);
      inconclusive ??= `${victim.name} \`${sqlOf(p.step)}\` was still blocked after ${releaseAfterMs} ms`;
      victim.aborted = true;
      victim.deferred.length = 0;
      await endpoint.killSession(victim.session.backendId, signal).catch(() => undefined);
      victim.session.destroy();
    }
    for (const st of states.values()) {
      for (const step of st.deferred) trace.push({ step: stepIndex.get(step) ?? -1, session: st.name, sql: step.sql.replaceAll('{t}', 'test'), blocked: false, status: 'skipped', ms: 0 });
      st.deferred.length = 0;
      // A transaction the script left open (its COMMIT was skipped) ends here.
      if (!st.committed) await st.session.rollback(signal);
    }

    const finalRows = toRowMap((await observer.query(`SELECT id, value FROM ${table} ORDER BY id`, [], signal)).rows);
    const obs: Observation = {
      rows: (l) => labels.get(l)?.rows,
      affected: (l) => labels.get(l)?.affected,
      committed: (s) => states.get(s)?.committed ?? false,
      final: finalRows,
    };
    const witness = variant.witness(obs);
    let outcome: MatrixOutcome;
    let how: string;
    if (witness) {
      outcome = 'allowed';
      how = witness;
    } else if (inconclusive) {
      outcome = 'inconclusive';
      how = inconclusive;
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
    return { variant: variant.name, outcome, how, steps: trace, final: formatRows(finalRows), reads };
  } finally {
    // Blocked statements first: kill their backends so nothing holds the DROP up.
    const blocked = [...states.values()].filter((s) => s.pending && !s.pending.settled);
    await bounded(Promise.all(blocked.map((s) => endpoint.killSession(s.session.backendId))), 5_000);
    await Promise.all([...states.values()].map((s) => s.session.close()));
    if (created) {
      // The observer may be mid-statement after an abort: drop from a fresh, unsignalled session.
      const dropper = observer && !signal?.aborted ? observer : await endpoint.open().catch(() => undefined);
      if (dropper) {
        await bounded(dropper.query(`DROP TABLE IF EXISTS ${table}`), 10_000);
        if (dropper !== observer) await dropper.close();
      }
    }
    await observer?.close();
  }
}

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
