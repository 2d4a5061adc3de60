import type { AcidSize } from '../target.js';

/** Workload sizes of the randomized cases, per `--size`. */
export interface WorkloadSizes {
  listAppend: { clients: number; keys: number; txns: number; durationMs: number };
  bank: { accounts: number; initialBalance: number; clients: number; txns: number; durationMs: number };
  durability: { clients: number; rows: number };
}

/**
 * `ci` keeps the whole acid run on one server well under two minutes; `full` is the run a
 * vendor makes before claiming a level (more clients, more keys, minutes of history).
 */
export const SIZES: Readonly<Record<AcidSize, WorkloadSizes>> = {
  ci: {
    listAppend: { clients: 5, keys: 6, txns: 400, durationMs: 5_000 },
    bank: { accounts: 5, initialBalance: 100, clients: 5, txns: 300, durationMs: 4_000 },
    durability: { clients: 4, rows: 200 },
  },
  full: {
    listAppend: { clients: 10, keys: 10, txns: 20_000, durationMs: 120_000 },
    bank: { accounts: 10, initialBalance: 100, clients: 10, txns: 10_000, durationMs: 60_000 },
    durability: { clients: 8, rows: 5_000 },
  },
};
