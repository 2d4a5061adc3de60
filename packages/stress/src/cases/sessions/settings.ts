import type { OpenOptions } from '@helios-conformance/core';
import { numberOption } from '../../_internal/options.js';
import type { StressSize } from '../../target.js';

/** The session cases' load and limits: the seed's by default, each one a CLI option. */
export interface SessionSettings {
  /** T223: sessions opened (seed: 50); half of them are closed. */
  leakConnections: number;
  /** T223: how long the server may take to report the closed sessions gone (seed: 30 s). */
  leakDeadlineMs: number;
  /** T221: listening sessions (seed: 20). */
  listeners: number;
  /** T221/T227: notifying inserts per second, all writers together. */
  notifyRate: number;
  /** T221: limit on the p99 of notification latency, send → receive (seed: delays > 10 ms fail). */
  notifyP99Ms: number;
  /** T227: sessions waiting on a lock, at most (seed: mailbox sizes < 1000). */
  backlogMaxWaiting: number;
  /** T227: pg_notification_queue_usage() at most, as a fraction of the queue. */
  backlogMaxQueueUsage: number;
  /** T227: how long the backlog may take to return to its baseline after the load. */
  backlogSettleMs: number;
  /** T228: connections added per ramp step. */
  rampStep: number;
  /** T228: the ramp stops here when the endpoint has not degraded yet. */
  rampMaxConnections: number;
  /** T228: a step whose p99 exceeds this is "extreme latency": the ramp stops. */
  rampExtremeMs: number;
}

type Options = OpenOptions['options'];

const BASE: Record<StressSize, SessionSettings> = {
  ci: { leakConnections: 50, leakDeadlineMs: 30_000, listeners: 20, notifyRate: 200, notifyP99Ms: 10, backlogMaxWaiting: 1_000, backlogMaxQueueUsage: 0.5, backlogSettleMs: 10_000, rampStep: 10, rampMaxConnections: 200, rampExtremeMs: 1_000 },
  full: { leakConnections: 50, leakDeadlineMs: 30_000, listeners: 20, notifyRate: 1_000, notifyP99Ms: 10, backlogMaxWaiting: 1_000, backlogMaxQueueUsage: 0.5, backlogSettleMs: 60_000, rampStep: 25, rampMaxConnections: 2_000, rampExtremeMs: 1_000 },
};

/** The session options are whole numbers unless a call says otherwise. */
const num = (options: Options, name: string, fallback: number, min: number, max: number, integer = true): number => numberOption(options, name, fallback, min, max, integer);

/** The session cases' settings from the suite's CLI options. */
export function sessionSettings(options: Options, size: StressSize): SessionSettings {
  const b = BASE[size];
  const s: SessionSettings = {
    leakConnections: num(options, 'leak-connections', b.leakConnections, 2, 10_000),
    leakDeadlineMs: num(options, 'leak-deadline-ms', b.leakDeadlineMs, 100, 3_600_000),
    listeners: num(options, 'listeners', b.listeners, 1, 1_000),
    notifyRate: num(options, 'notify-rate', b.notifyRate, 1, 100_000),
    notifyP99Ms: num(options, 'notify-p99-ms', b.notifyP99Ms, 0.001, 3_600_000, false),
    backlogMaxWaiting: num(options, 'backlog-max-waiting', b.backlogMaxWaiting, 0, 1_000_000),
    backlogMaxQueueUsage: num(options, 'backlog-max-queue-usage', b.backlogMaxQueueUsage, 0, 1, false),
    backlogSettleMs: num(options, 'backlog-settle-ms', b.backlogSettleMs, 100, 3_600_000),
    rampStep: num(options, 'ramp-step', b.rampStep, 1, 10_000),
    rampMaxConnections: num(options, 'ramp-max-connections', b.rampMaxConnections, 1, 100_000),
    rampExtremeMs: num(options, 'ramp-extreme-ms', b.rampExtremeMs, 1, 3_600_000, false),
  };
  return s;
}

/** The session cases' CLI options (merged into the suite's). */
export const sessionCliOptions = {
  'leak-connections': { type: 'string', valueName: 'N', description: 'T223 sessions opened, half of them closed (seed: 50)' },
  'leak-deadline-ms': { type: 'string', valueName: 'MS', description: 'T223 time the server may take to drop the closed sessions (seed: 30000)' },
  listeners: { type: 'string', valueName: 'N', description: 'T221 listening sessions (seed: 20)' },
  'notify-rate': { type: 'string', valueName: 'N', description: 'T221/T227 notifying inserts per second, all writers together (default 200; 1000 full)' },
  'notify-p99-ms': { type: 'string', valueName: 'MS', description: 'T221 p99 limit of notification latency, send to receive (seed: 10)' },
  'backlog-max-waiting': { type: 'string', valueName: 'N', description: 'T227 sessions waiting on a lock, at most (seed: 1000)' },
  'backlog-max-queue-usage': { type: 'string', valueName: 'FRACTION', description: 'T227 pg_notification_queue_usage() at most (default 0.5)' },
  'backlog-settle-ms': { type: 'string', valueName: 'MS', description: 'T227 time the backlog may take to return to its baseline (default 10000; 60000 full)' },
  'ramp-step': { type: 'string', valueName: 'N', description: 'T228 connections added per ramp step (default 10; 25 full)' },
  'ramp-max-connections': { type: 'string', valueName: 'N', description: 'T228 connections at which the ramp stops if the endpoint has not degraded (default 200; 2000 full)' },
  'ramp-extreme-ms': { type: 'string', valueName: 'MS', description: 'T228 step p99 that counts as extreme latency and stops the ramp (default 1000)' },
} as const;
