import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CannotRunError, PRIORITIES, type Priority, type Suite } from './model.js';
import { cannotRunReport, emptySelectionReason, parseShard, runSuite, selectCases, type CaseFilter } from './runner.js';
import { nearestId, unknownExpectationIds } from './known-ids.js';
import { runMerge } from './merge.js';
import { loadExpectations, updatedExpectations, writeExpectations, ExpectationsError, type Expectations } from './expectations.js';
import type { Report } from './report.js';
import { Redactor, redactDsn } from './redact.js';
import { createConsoleReporter } from './reporters/console.js';
import { renderJson } from './reporters/json.js';
import { renderJunit } from './reporters/junit.js';
import { renderHtml } from './reporters/html.js';

/** Exit codes of every suite CLI. */
export const EXIT = Object.freeze({ CONFORMANT: 0, NOT_CONFORMANT: 1, CANNOT_RUN: 2, INTERRUPTED: 130 });

/** Streams and environment a CLI run uses (injectable for tests). */
export interface CliIO {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  cwd?: string;
}

const SHARED_OPTIONS = {
  dsn: { type: 'string' },
  only: { type: 'string', multiple: true },
  priority: { type: 'string', multiple: true },
  area: { type: 'string', multiple: true },
  expectations: { type: 'string' },
  'no-shipped-expectations': { type: 'boolean' },
  'update-expectations': { type: 'string' },
  json: { type: 'string' },
  junit: { type: 'string' },
  html: { type: 'string' },
  seed: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'run-timeout-ms': { type: 'string' },
  'open-timeout-ms': { type: 'string' },
  shard: { type: 'string' },
  'allow-destructive': { type: 'boolean' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  'no-color': { type: 'boolean' },
} as const;

/** The --help text of a suite. */
export function helpText(suite: Suite<any>): string {
  const extra = Object.entries(suite.cliOptions ?? {})
    .map(([k, o]) => `  --${k}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`.padEnd(34) + o.description)
    .join('\n');
  // The --only example names this suite's own IDs (the first case, and its prefix as a glob).
  const first = suite.cases[0]?.id ?? `${suite.idPrefixes[0] ?? 'X-'}001`;
  const glob = `${first.slice(0, -1)}*`;
  return `${suite.name} ${suite.version} — ${suite.description}

Usage: ${suite.bin} [--dsn URL] [options]
       ${suite.bin} merge REPORT.json... [--json FILE] [--junit FILE] [--html FILE]
       (through npx: npx -- ${suite.name} [options]; without the --, npm takes the flags)

  --dsn URL                       endpoint to judge, e.g. ${suite.dsnExample ?? 'URL'}
                                  ${suite.defaultTarget ? `(default: ${suite.defaultTarget})` : '(required)'}
  --only ID|GLOB,...              run only these cases (${first}, ${glob}, …)
  --priority p0,p1                run only these priorities
  --area NAME,...                 run only these areas
  --expectations FILE             expected failures/skips of this endpoint (JSON)
  --no-shipped-expectations       without --expectations, judge bare: do not apply the
                                  shipped file that matches the endpoint${suite.shippedExpectations?.length ? ` (${suite.shippedExpectations.map((x) => x.describes).join(', ')})` : ''}
  --update-expectations [FILE]    write the baseline that would make this run conformant
  --json FILE  --junit FILE  --html FILE   write reports
  --seed N                        replay the same random choices
  --timeout-ms N                  per-case deadline (default ${suite.defaultTimeoutMs ?? 30000})
  --run-timeout-ms N              whole-run deadline
  --open-timeout-ms N             budget to reach the endpoint (default 15000; 60000 embedded)
${
    suite.shardBy === 'load'
      ? `  --shard I/N                     offer part I of N of the load (rates and connections), every
                                  selected case; merge the N JSON reports with \`merge\` for the verdict`
      : `  --shard I/N                     run only the selected cases whose ID hashes to shard I of N;
                                  merge the N JSON reports with \`merge\` for the verdict`
  }
  --allow-destructive             allow cases that kill servers or restore backups
  --list                          print the catalog and exit (no database touched)
  --no-color  --help  --version
${extra ? `\nSuite options:\n${extra}\n` : ''}
Exit codes: 0 conformant, 1 not conformant, 2 could not run (also: a selection or an
expectations ID that matches nothing the suite has), 130 interrupted.
Environment: HC_DSN is used when --dsn is absent.
`;
}

const splitList = (v: string[] | undefined): string[] => (v ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

function parseIntFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) throw new CannotRunError(`--${name} must be an integer >= ${min}, got "${v}"`);
  return Number(v);
}

/** `--update-expectations` may come without a value: it then means "the --expectations file". */
function normalizeArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--update-expectations' && (i + 1 >= argv.length || (argv[i + 1] as string).startsWith('--'))) out.push('--update-expectations=');
    else out.push(a);
  }
  return out;
}

async function writeOut(path: string, text: string, cwd: string): Promise<void> {
  const p = resolve(cwd, path);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, text);
}

/**
 * Writes the requested JSON, JUnit and HTML reports and names each file on stdout (so a CI log
 * says where to find them). Shared by runs, runs that could not start, and `merge`.
 */
export async function writeReportFiles(
  suite: Suite<any>,
  safe: Report,
  paths: { json?: string; junit?: string; html?: string },
  redact: (s: string) => string,
  io: Pick<CliIO, 'stdout'>,
  cwd: string,
): Promise<void> {
  if (paths.json) {
    await writeOut(paths.json, renderJson(safe, redact), cwd);
    io.stdout.write(redact(`wrote JSON report to ${paths.json}\n`));
  }
  if (paths.junit) {
    await writeOut(paths.junit, renderJunit(safe, redact), cwd);
    io.stdout.write(redact(`wrote JUnit report to ${paths.junit}\n`));
  }
  if (paths.html) {
    let suiteHtml = '';
    try {
      // A run that could not start has nothing for the suite to draw.
      suiteHtml = safe.cannotRun ? '' : (suite.renderHtml?.(safe) ?? '');
    } catch (e) {
      suiteHtml = `<p>suite section failed: ${String((e as Error).message)}</p>`;
    }
    await writeOut(paths.html, renderHtml(safe, suiteHtml, redact), cwd);
    io.stdout.write(redact(`wrote HTML report to ${paths.html}\n`));
  }
}

/** The flags of one CLI run, validated. */
interface ParsedFlags {
  values: Record<string, any>;
  dsn: string | undefined;
  filter: { only: string[]; priorities: Priority[]; areas: string[]; shard?: CaseFilter['shard'] };
  seed: number | undefined;
  timeoutMs: number | undefined;
  runTimeoutMs: number | undefined;
  openTimeoutMs: number | undefined;
}

/** Phase 1: the contract's flags and the suite's own, validated; a bad flag is a CannotRunError. */
function parseFlags(suite: Suite<any>, argv: string[], env: CliIO['env']): ParsedFlags {
  const suiteOptions = Object.fromEntries(Object.entries(suite.cliOptions ?? {}).map(([k, o]) => [k, { type: o.type }]));
  let parsed;
  try {
    parsed = parseArgs({ args: normalizeArgv(argv), options: { ...SHARED_OPTIONS, ...suiteOptions } as any, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional.*$/s, '');
    // A typo of a flag (`--dns`) names the flag it most likely meant.
    const typo = /^Unknown option '--([^'=]+)'/.exec(msg)?.[1];
    const near = typo ? nearestId(typo.toUpperCase(), Object.keys({ ...SHARED_OPTIONS, ...suiteOptions }).map((k) => k.toUpperCase()))?.toLowerCase() : undefined;
    throw new CannotRunError(`${msg}${near ? ` (did you mean --${near}?)` : ''} (see --help)`);
  }
  // npm 11's `npx pkg --dsn X` keeps `--dsn` for itself and hands the suite only `X`.
  if (parsed.positionals.length) throw new CannotRunError(unexpectedArgument(suite, parsed.positionals[0] as string));
  const v = parsed.values as Record<string, any>;
  // --help and --version answer whatever else is on the line.
  if (v.help || v.version) return { values: v, dsn: undefined, filter: { only: [], priorities: [], areas: [] }, seed: undefined, timeoutMs: undefined, runTimeoutMs: undefined, openTimeoutMs: undefined };
  const priorities = splitList(v.priority).map((p) => {
    const lp = p.toLowerCase();
    if (!PRIORITIES.includes(lp as Priority)) throw new CannotRunError(`--priority accepts p0, p1, p2; got "${p}"`);
    return lp as Priority;
  });
  const seed = parseIntFlag('seed', v.seed, 0);
  if (seed !== undefined && seed > 0xffffffff) throw new CannotRunError('--seed must fit in 32 bits');
  return {
    values: v,
    dsn: v.dsn ?? (env.HC_DSN || undefined),
    filter: { only: splitList(v.only), priorities, areas: splitList(v.area), ...(v.shard !== undefined ? { shard: parseShard(v.shard) } : {}) },
    seed,
    timeoutMs: parseIntFlag('timeout-ms', v['timeout-ms'], 1),
    runTimeoutMs: parseIntFlag('run-timeout-ms', v['run-timeout-ms'], 1),
    openTimeoutMs: parseIntFlag('open-timeout-ms', v['open-timeout-ms'], 1),
  };
}

/** The exit-2 line for a positional argument: almost always npx having taken the flags before it. */
export function unexpectedArgument(suite: Pick<Suite<any>, 'name'>, arg: string): string {
  // The lost flag's value is often the DSN itself: its password must not reach the terminal.
  return `unexpected argument '${redactDsn(arg)}': if you ran \`npx ${suite.name} --flags\`, npm took the flags; use \`npx -- ${suite.name} --flags\``;
}

/** The suite's own console lines for a report (after a run or a merge); a renderer that throws is named, not fatal. */
export function suiteConsoleSection(suite: Pick<Suite<any>, 'renderConsole'>, report: Report): string {
  try {
    return suite.renderConsole?.(report) ?? '';
  } catch (e) {
    return `(suite console section failed: ${(e as Error).message})`;
  }
}

/** `--list`: the catalog, no database touched. */
function printList(suite: Suite<any>, filter: ParsedFlags['filter'], io: CliIO): void {
  const cases = selectCases(suite.cases, suite.shardBy === 'load' ? { ...filter, shard: undefined } : filter);
  for (const c of cases) {
    io.stdout.write(`${c.id.padEnd(10)} ${c.priority}  ${c.area.padEnd(16)} ${c.title}${c.requires?.length ? `  [requires ${c.requires.join(', ')}]` : ''}\n`);
  }
  io.stdout.write(`${cases.length} cases\n`);
}

/**
 * Phase 2: the --expectations file, if given. Without one, the runner applies the suite's shipped
 * file that matches the endpoint once it is open (see shipped.ts), unless --no-shipped-expectations.
 */
async function resolveExpectations(_suite: Suite<any>, f: ParsedFlags, cwd: string): Promise<{ expectations: Expectations | undefined; path: string | undefined; updatePath: string | undefined }> {
  const v = f.values;
  const path: string | undefined = v.expectations;
  let expectations: Expectations | undefined;
  if (path) {
    try {
      expectations = await loadExpectations(resolve(cwd, path));
    } catch (e) {
      throw new CannotRunError(e instanceof ExpectationsError ? e.message : String(e));
    }
  }
  if (v['update-expectations'] === '' && !v.expectations) throw new CannotRunError('--update-expectations needs a FILE (or an --expectations file to rewrite)');
  const updatePath: string | undefined = v['update-expectations'] === '' ? v.expectations : v['update-expectations'];
  return { expectations, path, updatePath };
}

/** Phase 4: the requested report files (and the expectations baseline). */
async function writeReports(suite: Suite<any>, safe: Report, f: ParsedFlags, exp: Awaited<ReturnType<typeof resolveExpectations>>, redactor: Redactor, io: CliIO, cwd: string): Promise<void> {
  const v = f.values;
  await writeReportFiles(suite, safe, { json: v.json, junit: v.junit, html: v.html }, (s) => redactor.redact(s), io, cwd);
  if (exp.updatePath) {
    // The baseline starts from what this run applied: the --expectations file or the shipped one.
    const applied = exp.expectations ?? (safe.expectations.source === 'shipped' && safe.expectations.file ? await loadExpectations(safe.expectations.file) : undefined);
    const next = updatedExpectations(applied, safe, suite.cases.map((c) => c.id));
    await writeExpectations(resolve(cwd, exp.updatePath), next);
    io.stdout.write(`wrote expectations baseline (${Object.keys(next.expectations).length} entries) to ${exp.updatePath}\n`);
  }
}

/**
 * The shared CLI of every suite: parses the contract's flags, runs, writes reports and
 * returns the exit code. Never throws; a problem that prevents a run is one line on stderr and
 * code 2, and once the flags are parsed the requested reports are still written with the reason.
 * `merge REPORT.json...` combines the JSON reports of shards (see merge.ts).
 */
export async function runCli(suite: Suite<any>, argv: string[], io: CliIO): Promise<number> {
  if (argv[0] === 'merge') return runMerge(suite, argv.slice(1), io);
  const redactor = new Redactor();
  const errLine = (msg: string): number => {
    io.stderr.write(`${suite.bin}: ${redactor.redact(msg.split('\n')[0] ?? msg)}\n`);
    return EXIT.CANNOT_RUN;
  };
  const cwd = io.cwd ?? process.cwd();
  const startedAt = new Date();
  let f: ParsedFlags;
  try {
    f = parseFlags(suite, argv, io.env);
  } catch (e) {
    redactor.addDsn(io.env.HC_DSN || undefined);
    return errLine((e as Error).message);
  }
  const v = f.values;
  redactor.addDsn(f.dsn);
  // What the reports of a run that could not start can say (filled as the phases learn it).
  const known: { expectationsFile?: string } = {};
  /** Exit 2 with the line, and every requested report saying why (CI can still publish it). */
  const cannotRun = async (msg: string): Promise<number> => {
    errLine(msg);
    const reason = redactor.redact(msg.split('\n')[0] ?? msg);
    const safe = redactor.redactValue(cannotRunReport(suite, { reason, dsn: f.dsn, seed: f.seed, filter: f.filter, expectationsFile: known.expectationsFile, startedAt }));
    try {
      await writeReportFiles(suite, safe, { json: v.json, junit: v.junit, html: v.html }, (s) => redactor.redact(s), io, cwd);
    } catch (e) {
      errLine(`could not write a report: ${(e as Error).message}`);
    }
    return EXIT.CANNOT_RUN;
  };

  if (v.help) {
    io.stdout.write(helpText(suite));
    return EXIT.CONFORMANT;
  }
  if (v.version) {
    io.stdout.write(`${suite.version}\n`);
    return EXIT.CONFORMANT;
  }
  const empty = emptySelectionReason(suite, f.filter);
  if (v.list) {
    printList(suite, f.filter, io);
    return empty ? errLine(empty) : EXIT.CONFORMANT;
  }
  if (f.dsn !== undefined) {
    try {
      new URL(f.dsn);
    } catch {
      return cannotRun(`malformed --dsn: expected a URL like ${suite.dsnExample ?? 'scheme://user:pass@host:port/db'}`);
    }
  }
  if (empty) return cannotRun(empty);
  let exp: Awaited<ReturnType<typeof resolveExpectations>>;
  try {
    exp = await resolveExpectations(suite, f, cwd);
  } catch (e) {
    return cannotRun((e as Error).message);
  }
  known.expectationsFile = exp.path;
  // A typo in an exact ID would silently expect nothing; the registry knows every ID ever shipped.
  const unknown = unknownExpectationIds(exp.expectations, suite.knownIds ?? suite.cases.map((c) => c.id), exp.path);
  if (unknown) return cannotRun(unknown);

  // Phase 3: the run itself, with live progress on the console.
  const isTTY = !!io.stderr.isTTY && !io.env.CI;
  const reporter = createConsoleReporter({
    stdout: io.stdout,
    stderr: io.stderr,
    isTTY,
    color: isTTY && !v['no-color'] && !io.env.NO_COLOR,
    redact: (s) => redactor.redact(s),
  });
  let report;
  try {
    report = await runSuite(suite, {
      dsn: f.dsn,
      ...f.filter,
      seed: f.seed,
      timeoutMs: f.timeoutMs,
      runTimeoutMs: f.runTimeoutMs,
      openTimeoutMs: f.openTimeoutMs,
      expectations: exp.expectations,
      expectationsFile: exp.path,
      shippedExpectations: !v['no-shipped-expectations'],
      signal: io.signal,
      allowDestructive: !!v['allow-destructive'],
      options: Object.fromEntries(Object.keys(suite.cliOptions ?? {}).map((k) => [k, v[k]])),
      onEvent: (e) => reporter.onEvent(e),
      redactor,
    });
  } catch (e) {
    reporter.dispose();
    if (e instanceof CannotRunError) return cannotRun(e.message);
    return cannotRun(`internal error: ${(e as Error)?.message ?? String(e)}`);
  }
  const safe = redactor.redactValue(report);
  reporter.printSummary(safe, suiteConsoleSection(suite, safe));

  try {
    await writeReports(suite, safe, f, exp, redactor, io, cwd);
  } catch (e) {
    return errLine(`could not write a report: ${(e as Error).message}`);
  }
  if (report.interrupted && io.signal?.aborted) return EXIT.INTERRUPTED;
  return report.conformant ? EXIT.CONFORMANT : EXIT.NOT_CONFORMANT;
}

/**
 * Entry point for a suite's bin: wires process streams, Ctrl-C (first: stop gracefully,
 * clean up and write the partial report; second: exit at once) and the exit code.
 */
export async function main(suite: Suite<any>, argv: string[] = process.argv.slice(2)): Promise<void> {
  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.INTERRUPTED);
    process.stderr.write(`\n${suite.bin}: ${sig} received — stopping, cleaning up and writing the partial report (again to force)\n`);
    ac.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // An abandoned case may reject later; that must not crash the run.
  process.on('unhandledRejection', () => undefined);
  // A reader that went away (`--list | head`) must not crash the run with a stack trace, nor cut it
  // short before its cleanup: the rest of the output is dropped.
  const quietPipe = (e: NodeJS.ErrnoException): void => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  };
  process.stdout.on('error', quietPipe);
  process.stderr.on('error', quietPipe);
  const code = await runCli(suite, argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: ac.signal });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.exitCode = code;
  // A case abandoned at its deadline may still hold sockets or timers; once stdout is flushed, leave.
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  setTimeout(() => process.exit(code), 200).unref();
}
