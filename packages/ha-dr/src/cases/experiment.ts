// What every case does before its fault: register its experiment in the report (`sections.hadr`),
// record phases and actions with their time since the start, and check the topology declares what
// the case needs. One place, so every case reads the same way in the report and the HTML timeline.
import { runAction, type ActionRun } from '../actions.js';
import { nodeByPort, type ActionName, type Topology } from '../topology.js';
import type { Ctx, Experiment } from './failover/failover.js';

/** An experiment being recorded: its report section, its start, and the helpers that write into it. */
export interface ExperimentRun<E extends Experiment = Experiment> {
  exp: E;
  t0: number;
  phase(p: Experiment['phases'][number]['phase'], what: string): void;
  act(a: ActionName, vars?: Record<string, string>): Promise<ActionRun>;
  /** The node a write was acknowledged by, from the server port it reported. */
  nodeOf(port: number | undefined): string;
}

/** Starts recording the case's experiment in `sections.hadr[<id>]` (`extra`: case-specific fields). */
export function beginExperiment<E extends Experiment = Experiment>(ctx: Ctx, extra: Omit<E, keyof Experiment> = {} as Omit<E, keyof Experiment>): ExperimentRun<E> {
  const t: Topology = ctx.target.topology;
  const t0 = Date.now();
  const exp = { topology: t.name, phases: [], actions: [], timings: {}, sla: ctx.target.sla, ...extra } as unknown as E;
  ((ctx.target.sections.hadr ??= {}) as Record<string, unknown>)[ctx.id] = exp;
  return {
    exp,
    t0,
    phase(p, what) {
      exp.phases.push({ phase: p, at: Date.now() - t0, what });
      ctx.log(`${p}: ${what}`);
    },
    async act(a, vars = {}) {
      const r = await runAction(t, a, vars, { signal: ctx.signal });
      exp.actions.push({ action: r.action, command: r.command, ok: r.ok, code: r.code, timedOut: r.timedOut, ms: r.ms, at: r.startedAt - t0, output: (r.stdout + r.stderr).trim().slice(-400) });
      return r;
    },
    nodeOf: (port) => (port === undefined ? '?' : (nodeByPort(t, port)?.name ?? `port ${port}`)),
  };
}

/**
 * n/a unless the topology declares every action in `names` — and, for the cases written for a
 * PostgreSQL primary and its standbys (the default), unless it is of the postgres family.
 */
export function requireActions(ctx: Ctx, names: ActionName[], family: 'postgres' | 'any' = 'postgres'): void {
  if (family === 'postgres' && ctx.target.topology.family !== 'postgres')
    ctx.notApplicable(`written for a PostgreSQL primary and its standbys; this ${ctx.target.topology.family}-family topology (multi-primary, e.g. Galera) is judged by HA-020 and HA-021`);
  const missing = names.filter((a) => ctx.target.topology.actions[a] === undefined);
  if (missing.length) ctx.notApplicable(`the topology declares no ${missing.map((a) => `"${a}"`).join(', ')} action${missing.length > 1 ? 's' : ''}`);
}
