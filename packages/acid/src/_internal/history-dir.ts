import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toElleJson } from '../export.js';
import type { History } from '../history.js';
import type { AcidTarget } from '../target.js';

// The history directory is a property of the run (the CLI's --history-dir), not of the
// endpoint, so it travels beside the target instead of inside it.
const dirs = new WeakMap<AcidTarget, string>();

/** Makes cases running against `target` write their histories into `dir`. */
export function setHistoryDir(target: AcidTarget, dir: string | undefined): void {
  if (dir) dirs.set(target, dir);
  else dirs.delete(target);
}

/** The history directory registered for `target`, if any. */
export function historyDirOf(target: AcidTarget): string | undefined {
  return dirs.get(target);
}

/**
 * Writes `history` as elle-cli JSON to `<dir>/<name>.json` when a directory is registered for
 * the target; returns the path written, or undefined.
 */
export async function saveHistory(target: AcidTarget, name: string, history: History): Promise<string | undefined> {
  const dir = dirs.get(target);
  if (!dir) return undefined;
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, toElleJson(history));
  return file;
}
