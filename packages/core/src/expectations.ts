import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { globToRegExp, isGlob } from './_internal/glob.js';
import type { Report } from './report.js';

/** What an expectations entry says about a case. */
export type ExpectKind = 'skip' | 'fail' | 'flaky';

/** One entry: keyed by case ID or glob in {@link Expectations.expectations}. */
export interface ExpectationEntry {
  expect: ExpectKind;
  /** Why, in words that were observed (mandatory). */
  reason: string;
  /** Link to a tracker issue. */
  issue?: string;
}

/** A vendor's expectations file (JSON). */
export interface Expectations {
  $schema?: string;
  /** Free text: which endpoint and version this baseline describes. */
  target?: string;
  expectations: Record<string, ExpectationEntry>;
}

/** URL of the published JSON Schema, for `$schema` in generated files. */
export const EXPECTATIONS_SCHEMA_URL = 'https://unpkg.com/@helios-conformance/core/schemas/expectations.schema.json';

/** Thrown when an expectations file is not valid; the message names the key and the fix. */
export class ExpectationsError extends Error {
  override readonly name = 'ExpectationsError';
}

const KEY_RE = /^[A-Z0-9*?][A-Z0-9*?-]*$/;

/** Validates parsed JSON as an expectations file (same rules as the shipped JSON Schema). */
export function parseExpectations(value: unknown, source = 'expectations'): Expectations {
  const fail = (msg: string): never => {
    throw new ExpectationsError(`${source}: ${msg}`);
  };
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail('must be a JSON object');
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!['$schema', 'target', 'expectations'].includes(k)) fail(`unknown top-level key "${k}"`);
  }
  if (obj.target !== undefined && typeof obj.target !== 'string') fail('"target" must be a string');
  const entries = obj.expectations;
  if (!entries || typeof entries !== 'object' || Array.isArray(entries)) fail('"expectations" must be an object keyed by case ID or glob');
  const out: Record<string, ExpectationEntry> = {};
  for (const [key, raw] of Object.entries(entries as Record<string, unknown>)) {
    if (!KEY_RE.test(key)) fail(`key "${key}" is not a case ID or glob (A-Z, 0-9, -, *, ?)`);
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(`"${key}" must be an object`);
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!['expect', 'reason', 'issue'].includes(k)) fail(`"${key}": unknown key "${k}"`);
    if (e.expect !== 'skip' && e.expect !== 'fail' && e.expect !== 'flaky') fail(`"${key}": "expect" must be "skip", "fail" or "flaky"`);
    if (typeof e.reason !== 'string' || e.reason.trim() === '') fail(`"${key}": "reason" is mandatory and must say what was observed`);
    if (e.issue !== undefined && typeof e.issue !== 'string') fail(`"${key}": "issue" must be a string`);
    out[key] = { expect: e.expect as ExpectKind, reason: e.reason as string, ...(e.issue ? { issue: e.issue as string } : {}) };
  }
  return { ...(obj.$schema ? { $schema: obj.$schema as string } : {}), ...(obj.target ? { target: obj.target as string } : {}), expectations: out };
}

/** Reads and validates an expectations file. */
export async function loadExpectations(path: string): Promise<Expectations> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ExpectationsError(`cannot read expectations file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ExpectationsError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseExpectations(json, path);
}

/** An entry with the key it came from. */
export interface MatchedExpectation extends ExpectationEntry {
  key: string;
}

/**
 * Resolves which entry applies to each case ID. An exact ID beats any glob; among globs
 * the first in file order wins, so a file reads top-down like a blocklist.
 */
export class ExpectationMatcher {
  readonly #exact = new Map<string, ExpectationEntry>();
  readonly #globs: Array<{ key: string; re: RegExp; entry: ExpectationEntry }> = [];
  readonly #used = new Set<string>();

  constructor(readonly expectations: Expectations | undefined) {
    for (const [key, entry] of Object.entries(expectations?.expectations ?? {})) {
      if (isGlob(key)) this.#globs.push({ key, re: globToRegExp(key), entry });
      else this.#exact.set(key, entry);
    }
  }

  /** The entry for a case, marking it used. */
  match(id: string): MatchedExpectation | undefined {
    const exact = this.#exact.get(id);
    if (exact) {
      this.#used.add(id);
      return { key: id, ...exact };
    }
    for (const g of this.#globs) {
      if (g.re.test(id)) {
        this.#used.add(g.key);
        return { key: g.key, ...g.entry };
      }
    }
    return undefined;
  }

  /** Keys that matched no case of the selection. */
  unmatched(): string[] {
    return Object.keys(this.expectations?.expectations ?? {}).filter((k) => !this.#used.has(k));
  }
}

/**
 * The baseline that would make this run conformant: keeps entries of cases that still fail
 * and of cases not in this run's selection, adds `fail` entries (with the observed message) for
 * new failures and errors, removes entries of cases that passed and keys that match no case at all.
 * Cases that lost the endpoint (their result has `liveness`) count as not run.
 */
export function updatedExpectations(
  previous: Expectations | undefined,
  report: Report,
  catalogIds: readonly string[],
): Expectations {
  // A result of an endpoint that stopped answering (`liveness`) is no verdict on the case: as if
  // it had not run, its entry is kept and none is added (the next run judges it).
  const judged = report.results.filter((r) => !r.liveness);
  const ran = new Map(judged.map((r) => [r.id, r]));
  const out: Record<string, ExpectationEntry> = {};
  for (const [key, entry] of Object.entries(previous?.expectations ?? {})) {
    const re = isGlob(key) ? globToRegExp(key) : undefined;
    const ids = catalogIds.filter((id) => (re ? re.test(id) : id === key));
    if (ids.length === 0) continue;
    const results = ids.map((id) => ran.get(id)).filter((r) => r !== undefined);
    if (results.length === 0) {
      out[key] = entry; // not in this run's selection: keep as is
      continue;
    }
    if (entry.expect === 'skip' || entry.expect === 'flaky') {
      out[key] = entry;
      continue;
    }
    if (results.every((r) => r.status === 'xfail')) {
      out[key] = entry;
    } else if (re) {
      // Part of the glob now passes: narrow it to the cases that still fail (or were not run).
      for (const id of ids) {
        const r = ran.get(id);
        if (!r || r.status === 'xfail') out[id] = entry;
      }
    }
  }
  for (const r of judged) {
    if (r.status === 'fail' || r.status === 'error') {
      out[r.id] = { expect: 'fail', reason: `observed ${r.status}: ${(r.message ?? 'no message').split('\n')[0]}` };
    }
  }
  const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  return {
    $schema: previous?.$schema ?? EXPECTATIONS_SCHEMA_URL,
    ...(previous?.target || report.target.server ? { target: previous?.target ?? report.target.server ?? undefined } : {}),
    expectations: sorted,
  };
}

/** Writes an expectations file (pretty JSON, trailing newline). */
export async function writeExpectations(path: string, expectations: Expectations): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(expectations, null, 2) + '\n');
}
