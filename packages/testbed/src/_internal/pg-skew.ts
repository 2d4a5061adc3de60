// The clock skew of a pg-cluster node (see pg-chaos.ts): kept in a file of the cluster directory so
// that every start of the node, from any process, runs its postmaster under libfaketime.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where Debian's libfaketime puts its preload library, per architecture. */
const FAKETIME_LIBS = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'];

/** The libfaketime preload library, or undefined when it is not installed. */
export function findLibfaketime(): string | undefined {
  return FAKETIME_LIBS.find((f) => existsSync(f));
}

export const skewFile = (st: { dir: string }, node: { name: string }): string => path.join(st.dir, `clock-skew-${node.name}`);

/** The clock skew (seconds) a node's postmaster runs with; 0 when none. */
export function clockSkew(st: { dir: string }, node: { name: string }): number {
  try {
    return Number(readFileSync(skewFile(st, node), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** Environment for a node's postmaster: LD_PRELOAD of libfaketime with the node's skew, if any. */
export function skewEnv(st: { dir: string }, node: { name: string }): Record<string, string> {
  const s = clockSkew(st, node);
  if (!s) return {};
  const lib = findLibfaketime();
  if (!lib) throw new Error(`${node.name} has a clock skew of ${s} s but libfaketime is not installed (Debian: apt-get install libfaketime)`);
  // A constant offset of the wall clock only: monotonic clocks stay real (timeouts, latch waits).
  return { LD_PRELOAD: lib, FAKETIME: `${s > 0 ? '+' : ''}${s}`, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

