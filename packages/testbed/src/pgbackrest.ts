/**
 * pgBackRest (Debian's 2.45) on a pg-cluster (see ./pg-cluster.ts): a stanza whose repository lives in
 * the cluster's state dir, WAL archived with `pgbackrest archive-push` from whichever node is primary,
 * and the backup actions of the topology file — `backup full|diff|incr`, `verify-backup`,
 * `restore TARGET` (into a NEW data dir, started as a throwaway server on a free port: never over the
 * live cluster), `drop-restore DSN` and `corrupt-backup`. Everything runs as the servers' OS user
 * (postgres when the owner is root), with a deadline, from any process that can read state.json.
 */
import { appendFileSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { chownIfOwner, inRecovery, killNode, postmasterPid, quoteConf, readLog, spawnNode, stopNode, whoIsPrimary, findNode, type ClusterState, type NodeState } from './_internal/pg-cluster-node.js';
import { cleanEnv, findExecutable, runCommand, signalProcess, sleep, tail } from './_internal/proc.js';
import { findFreePort } from './ports.js';

/** The stanza name of every pg-cluster (one cluster, one stanza). */
export const STANZA = 'hc';

/** What state.json records about the cluster's pgBackRest setup. */
export interface BackupState {
  tool: 'pgbackrest';
  /** The executable. */
  bin: string;
  /** `<stateDir>/pgbackrest/pgbackrest.conf` (every call passes it: /etc/pgbackrest.conf is never read). */
  config: string;
  /** The repository (repo1-path). */
  repo: string;
  /**
   * Every repository, repo1 first (`backupRepos` > 1: repo2-path, … — each a second "region";
   * pgBackRest 2.45 pushes every WAL segment to every configured repository). Absent in a state
   * written before there were several: [repo].
   */
  repos?: string[];
}

/** The backup actions (arguments: backup KIND [REPO], restore TARGET [REPO], drop-restore DSN|PORT, wal-archived REPO SEGMENT). */
export const BACKUP_ACTIONS = ['backup', 'verify-backup', 'restore', 'drop-restore', 'corrupt-backup', 'wal-archived'] as const;
export type BackupAction = (typeof BACKUP_ACTIONS)[number];

/** Default deadlines, in ms. */
export const BACKUP_ACTION_TIMEOUT_MS: Record<BackupAction, number> = {
  backup: 120_000,
  'verify-backup': 60_000,
  restore: 120_000,
  'drop-restore': 30_000,
  'corrupt-backup': 10_000,
  'wal-archived': 30_000,
};

/** The backup actions that take a second argument: the repository (backup, restore) or the segment (wal-archived). */
export const BACKUP_ACTIONS_WITH_ARG: readonly string[] = ['backup', 'restore', 'wal-archived'];

export function isBackupAction(a: string): a is BackupAction {
  return (BACKUP_ACTIONS as readonly string[]).includes(a);
}

/** The pgbackrest executable, or one line saying how to get it. */
export function findPgbackrest(): string {
  const bin = findExecutable('pgbackrest', ['/usr/bin']);
  if (!bin) throw new Error('pgbackrest not found: install Debian\'s pgbackrest (apt-get install pgbackrest), or start the cluster without backup');
  return bin;
}

/**
 * Creates the repository, log/lock/spool dirs and the config under `<st.dir>/pgbackrest`, and lets
 * pgbackrest log in over the Unix socket (libpq matches a socket connection outside the default
 * directory by that directory's path in the passfile's host field). Returns the postgresql.conf settings that archive through pgbackrest.
 */
export function preparePgbackrest(st: ClusterState, repoCount = 1): { backup: BackupState; conf: Record<string, string> } {
  if (!Number.isInteger(repoCount) || repoCount < 1 || repoCount > 4) throw new Error(`backupRepos must be 1 to 4, not ${repoCount}`);
  const bin = findPgbackrest();
  const base = path.join(st.dir, 'pgbackrest');
  const repo = path.join(base, 'repo');
  // repo1 keeps its old path (`repo`); repo2… are siblings, each a separate "region".
  const repos = [repo, ...Array.from({ length: repoCount - 1 }, (_, i) => path.join(base, `repo${i + 2}`))];
  for (const d of [base, ...repos, path.join(base, 'log'), path.join(base, 'lock'), path.join(base, 'spool')]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    chownIfOwner(st, d);
  }
  const config = path.join(base, 'pgbackrest.conf');
  const text = [
    '# helios-testbed pg-cluster: every path inside the cluster state dir',
    '[global]',
    ...repos.map((r, i) => `repo${i + 1}-path=${r}`),
    `log-path=${path.join(base, 'log')}`,
    `lock-path=${path.join(base, 'lock')}`,
    `spool-path=${path.join(base, 'spool')}`,
    'log-level-file=off',
    'start-fast=y',
    'compress-type=lz4',
    'process-max=2',
    // A corrupt file would otherwise be retried with back-off for ~15 s (notes-servers §4).
    'job-retry=0',
    // A broken archive_command fails a backup in seconds, not the default minute.
    'archive-timeout=30',
    // Many restore points per run: never expire one while the suite may still restore it.
    ...repos.map((_, i) => `repo${i + 1}-retention-full=9999`),
    '',
    `[${STANZA}]`,
    `pg1-socket-path=${st.dir}`,
    `pg1-user=${st.user}`,
    '',
  ].join('\n');
  writeFileSync(config, text, { mode: 0o600 });
  chownIfOwner(st, config);
  appendFileSync(st.passfile, `${st.dir.replace(/[:\\]/g, '\\$&')}:*:*:${st.user}:${st.password}\n`);
  const backup: BackupState = { tool: 'pgbackrest', bin, config, repo, repos };
  return {
    backup,
    conf: {
      archive_mode: 'on',
      // PostgreSQL runs archive_command in the node's data directory: the node pushing is pg1-path.
      archive_command: `${bin} --config=${config} --stanza=${STANZA} --pg1-path="$(pwd -P)" archive-push %p`,
    },
  };
}

function ids(st: ClusterState): { uid?: number; gid?: number } {
  return st.owner ? { uid: st.owner.uid, gid: st.owner.gid } : {};
}

function backupState(st: ClusterState): BackupState {
  const b = st.backup;
  if (!b) throw new Error('this cluster was started without backup (startPgCluster({ backup: "pgbackrest" }) or `up pg-cluster --backup`)');
  return b;
}

/** Runs `pgbackrest --config --stanza ARGS` as the servers' OS user. */
export function runPgbackrest(st: ClusterState, args: string[], timeoutMs: number): ReturnType<typeof runCommand> {
  const b = backupState(st);
  const env = cleanEnv({ ...(st.owner ? { HOME: st.owner.home, USER: 'postgres', LOGNAME: 'postgres' } : {}), PGPASSFILE: st.passfile });
  return runCommand(b.bin, [`--config=${b.config}`, `--stanza=${STANZA}`, ...args], { cwd: st.dir, env, ...ids(st), timeoutMs });
}

/** The node answering as primary (pgbackrest backs up the primary; after a failover that is another node). */
async function primaryNode(st: ClusterState): Promise<NodeState> {
  const names = await whoIsPrimary(st, 1500);
  if (names.length !== 1) throw new Error(names.length ? `${names.length} nodes answer as primary (${names.join(', ')}): refusing to pick one` : 'no node answers as primary');
  return findNode(st, names[0]!);
}

const pgArgs = (n: NodeState): string[] => [`--pg1-path=${n.dataDir}`, `--pg1-port=${n.port}`];

/** stanza-create and check (a WAL switch archived through archive-push) on the primary. */
export async function createStanza(st: ClusterState, primary: NodeState, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const cmd of ['stanza-create', 'check']) {
    const r = await runPgbackrest(st, [...pgArgs(primary), cmd], Math.max(1000, deadline - Date.now()));
    if (r.code !== 0) throw new Error(`pgbackrest ${cmd} failed: ${oneLine(r.output)}`);
  }
}

function oneLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /ERROR/.test(l)) ?? lines.at(-1) ?? '(no output)').slice(0, 400);
}

interface InfoBackup {
  label: string;
  type: string;
  timestamp: { start: number; stop: number };
  lsn?: { start: string; stop: string };
  /** Which repository holds it (1, 2, …). */
  database?: { id?: number; 'repo-key'?: number };
  /** pgBackRest found page checksum errors while copying (it only warned). */
  error?: boolean;
}

/** Every repository's path, repo1 first. */
export function repoPaths(b: BackupState): string[] {
  return b.repos?.length ? b.repos : [b.repo];
}

/** The REPO argument: empty/absent = pgBackRest's default (repo1), else 1…N. */
function repoArg(st: ClusterState, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = repoPaths(backupState(st)).length;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > n) throw new Error(`repository must be a number from 1 to ${n} (this cluster has ${n}), not "${text}"`);
  return Number(text);
}

const SEGMENT = /^[0-9A-F]{24}$/;

/**
 * Waits until WAL segment `segment` is in repository `repo` (its archive dir, newest archive id),
 * polling the file system every 20 ms: the time a segment takes to reach a region. Resolves with
 * the line to print; rejects at the deadline.
 */
async function waitWalArchived(st: ClusterState, repo: number, segment: string, deadline: number): Promise<string> {
  const root = path.join(repoPaths(backupState(st))[repo - 1]!, 'archive', STANZA);
  const t0 = Date.now();
  const present = (): boolean => {
    let ids: string[] = [];
    try {
      ids = readdirSync(root).filter((d) => /^\d+-\d+$/.test(d));
    } catch {
      return false;
    }
    return ids.some((id) => {
      try {
        return readdirSync(path.join(root, id, segment.slice(0, 16))).some((f) => f.startsWith(`${segment}-`));
      } catch {
        return false;
      }
    });
  };
  for (;;) {
    if (present()) return `${segment} is in repository ${repo} (waited ${Date.now() - t0} ms)`;
    if (Date.now() >= deadline) throw new Error(`WAL segment ${segment} is not in repository ${repo} after ${Date.now() - t0} ms`);
    await sleep(20);
  }
}

/** The stanza's backups, oldest first (`pgbackrest info --output=json`). */
export async function listBackups(st: ClusterState, timeoutMs = 20_000): Promise<InfoBackup[]> {
  const r = await runPgbackrest(st, ['info', '--output=json'], timeoutMs);
  if (r.code !== 0) throw new Error(`pgbackrest info failed: ${oneLine(r.output)}`);
  const start = r.output.indexOf('[');
  const doc = JSON.parse(r.output.slice(start)) as Array<{ name: string; backup?: InfoBackup[] }>;
  return doc.find((s) => s.name === STANZA)?.backup ?? [];
}

/** Where a restore's data directory lives; its port names it. */
function restoreNode(st: ClusterState, port: number): NodeState {
  return { name: `restore-${port}`, port, dataDir: path.join(st.dir, `restore-${port}`), logFile: path.join(st.dir, `restore-${port}.log`) };
}

/** Every restore made on this cluster (running or not). */
export function restoreNodes(st: { dir: string }): NodeState[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(st.dir);
  } catch {
    return [];
  }
  return entries
    .map((e) => /^restore-(\d+)$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => restoreNode(st as ClusterState, Number(m[1])));
}

/** Stops every restored server (the owner's stop(), before the directory goes). */
export async function stopRestores(st: { dir: string }, graceMs: number): Promise<void> {
  await Promise.all(
    restoreNodes(st).map(async (n) => {
      try {
        await stopNode(n, graceMs);
      } catch {
        await killNode(n, 5000).catch(() => undefined);
      }
    }),
  );
}

/** SIGKILL of every restored server (the exit handler: no awaiting). */
export function killRestoresSync(st: { dir: string }): void {
  for (const n of restoreNodes(st)) {
    const pid = postmasterPid(n);
    if (pid !== undefined) signalProcess(pid, 'SIGKILL');
  }
}

const LABEL = /^\d{8}-\d{6}F(_\d{8}-\d{6}[DI])?$/;

/** Runs one backup action; resolves with the lines to print, rejects with one line. */
export async function runBackupAction(st: ClusterState, action: BackupAction, arg: string | undefined, ms: number, arg2?: string): Promise<string> {
  backupState(st);
  const deadline = Date.now() + ms;
  const left = (): number => Math.max(1000, deadline - Date.now());
  switch (action) {
    case 'backup': {
      if (arg !== 'full' && arg !== 'diff' && arg !== 'incr') throw new Error(`backup needs a kind: full, diff or incr${arg ? `, not "${arg}"` : ''}`);
      const repo = repoArg(st, arg2);
      const primary = await primaryNode(st);
      const r = await runPgbackrest(st, [...pgArgs(primary), `--type=${arg}`, ...(repo ? [`--repo=${repo}`] : []), '--log-level-console=info', 'backup'], left());
      if (r.code !== 0) throw new Error(`pgbackrest backup --type=${arg}${repo ? ` --repo=${repo}` : ''} of ${primary.name} failed: ${oneLine(r.output)}`);
      const label = /new backup label = (\S+)/.exec(r.output)?.[1] ?? (await listBackups(st, left())).at(-1)?.label;
      if (!label) throw new Error('pgbackrest backup succeeded but no backup label was found');
      // pgBackRest checks every page's checksum while it copies and only warns (exit 0): pass its
      // warnings on, then the label as the last line (the topology contract: `backup` prints the label).
      const warnings = r.output.split('\n').filter((l) => /\bWARN:/.test(l)).map((l) => l.replace(/^\S+ \S+ +P\d+ +/, '').trim());
      return [...warnings.slice(0, 20), label].join('\n');
    }
    case 'verify-backup': {
      if (arg !== undefined || arg2 !== undefined) throw new Error('verify-backup takes no argument');
      const r = await runPgbackrest(st, ['--log-level-console=info', 'verify'], left());
      const bad = r.output.split('\n').filter((l) => /status: error|invalid|ERROR/.test(l));
      // pgbackrest verify exits 0 even when it finds corruption (pgbackrest#2502): its output decides.
      if (r.code !== 0 || bad.length) throw new Error(`verification failed${r.code ? ` (pgbackrest exited ${r.code})` : ''}: ${bad.map((l) => l.replace(/^\S+ \S+ +P\d+ +/, '').trim()).slice(0, 3).join(' / ') || oneLine(r.output)}`);
      const ok = r.output.split('\n').filter((l) => /status: ok|archiveId:|backup: /.test(l)).map((l) => l.replace(/^\S+ \S+ +P\d+ +/, '').trim());
      return ok.length ? ok.slice(0, 10).join('\n') : 'verify: no error reported';
    }
    case 'restore': {
      if (!arg) throw new Error('restore needs a target: a backup label (e.g. 20261206-231500F), latest, or time:TIMESTAMP');
      const repo = repoArg(st, arg2);
      if (arg.startsWith('time:')) return restore(st, { time: parseTargetTime(arg.slice(5)) }, left, repo);
      if (arg !== 'latest' && !LABEL.test(arg)) throw new Error(`restore target must be a backup label, latest or time:TIMESTAMP (e.g. time:2026-12-07T01:30:00.250Z), not "${arg}"`);
      return restore(st, arg, left, repo);
    }
    case 'drop-restore': {
      if (arg2 !== undefined) throw new Error('drop-restore takes one argument');
      const port = Number(/^\d+$/.test(arg ?? '') ? arg : (() => {
        try {
          return new URL(arg ?? '').port;
        } catch {
          return '';
        }
      })());
      if (!(port > 0)) throw new Error('drop-restore needs the DSN (or port) a restore printed');
      const n = restoreNode(st, port);
      if (!existsSync(n.dataDir)) throw new Error(`no restore on port ${port} in ${st.dir}`);
      const how = await stopNode(n, left()).catch(async () => {
        await killNode(n, 5000);
        return 'killed';
      });
      rmSync(n.dataDir, { recursive: true, force: true });
      rmSync(n.logFile, { force: true });
      return `restore on port ${port} ${how === 'not running' ? 'was not running' : how}; removed`;
    }
    case 'corrupt-backup': {
      if (arg !== undefined || arg2 !== undefined) throw new Error('corrupt-backup takes no argument');
      // The default repository's (repo1's) latest set: the one `verify-backup` and `restore latest` read.
      const last = (await listBackups(st, left())).filter((b) => (b.database?.['repo-key'] ?? 1) === 1).at(-1);
      if (!last) throw new Error('the repository holds no backup to corrupt');
      return corruptLargestFile(st, last.label);
    }
    case 'wal-archived': {
      const repo = repoArg(st, arg);
      if (repo === undefined || !arg2 || !SEGMENT.test(arg2)) throw new Error('wal-archived needs a repository (1, 2, …) and a WAL segment name (24 hex digits, e.g. 000000010000000000000005)');
      return waitWalArchived(st, repo, arg2, deadline);
    }
  }
}

const TARGET_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)(Z|[+-]\d{2}:\d{2})$/;

/**
 * The `time:` target of restore as PostgreSQL's recovery_target_time wants it: an ISO-8601 timestamp
 * with an explicit zone (Z or ±hh:mm; a zone-less time would be read in the server's time zone).
 */
export function parseTargetTime(text: string): string {
  const m = TARGET_TIME.exec(text);
  if (!m || Number.isNaN(Date.parse(`${m[1]}T${m[2]!.slice(0, 12)}${m[3]}`))) {
    throw new Error(`restore time target must be an ISO-8601 timestamp with a zone (Z or ±hh:mm), e.g. time:2026-12-07T01:30:00.250Z, not "${text}"`);
  }
  return `${m[1]} ${m[2]}${m[3] === 'Z' ? '+00' : m[3]}`;
}

async function restore(st: ClusterState, targetOrTime: string | { time: string }, left: () => number, repo?: number): Promise<string> {
  const target = `${typeof targetOrTime === 'string' ? targetOrTime : `time ${targetOrTime.time}`}${repo ? ` from repository ${repo}` : ''}`;
  // A time target: pgBackRest picks the newest backup set that ended before the time, and recovery
  // replays archived WAL up to the last commit at or before it (recovery_target_inclusive), then promotes.
  const how =
    typeof targetOrTime === 'string'
      ? ['--type=immediate', ...(targetOrTime === 'latest' ? [] : [`--set=${targetOrTime}`])]
      : ['--type=time', `--target=${targetOrTime.time}`];
  // With --repo, pgBackRest reads the set from that repository only and writes `--repo=N` into the
  // restore_command too: the WAL replayed comes from the same region (it can stand alone).
  if (repo) how.push(`--repo=${repo}`);
  // A set pgBackRest copied with page checksum errors (it only warned then) restores as it was:
  // flagged on the way out, so a restore of it is never taken for a clean one.
  const flags: string[] = [];
  if (typeof targetOrTime === 'string') {
    const sets = (await listBackups(st, left())).filter((b) => (b.database?.['repo-key'] ?? 1) === (repo ?? 1));
    const set = targetOrTime === 'latest' ? sets.at(-1) : sets.find((b) => b.label === targetOrTime);
    if (set?.error) flags.push(`WARN: backup set ${set.label} was taken with page checksum errors (pgbackrest info: error=true): the restored data holds the damaged pages`);
  }
  const port = await findFreePort();
  const n = restoreNode(st, port);
  rmSync(n.dataDir, { recursive: true, force: true });
  mkdirSync(n.dataDir, { mode: 0o700 });
  chownIfOwner(st, n.dataDir);
  // The restored server must never touch the live repository's WAL (archive-mode=off) nor wait for
  // synchronous standbys it does not have; recovery stops at the backup's consistent point and promotes.
  const r = await runPgbackrest(
    st,
    [`--pg1-path=${n.dataDir}`, ...how, '--target-action=promote', '--archive-mode=off', 'restore'],
    left(),
  );
  if (r.code !== 0) {
    rmSync(n.dataDir, { recursive: true, force: true });
    throw new Error(`pgbackrest restore of ${target} failed: ${oneLine(r.output)}`);
  }
  appendFileSync(path.join(n.dataDir, 'postgresql.auto.conf'), `synchronous_standby_names = ${quoteConf('')}\nprimary_conninfo = ${quoteConf('')}\n`);
  try {
    await spawnNode(st, n, left());
    const deadline = Date.now() + left();
    for (;;) {
      const rec = await inRecovery(st, n, 1000);
      if (rec === false) break;
      if (postmasterPid(n) === undefined) throw new Error(`the restored server exited: ${tail(readLog(n), 600).trim().split('\n').slice(-3).join(' / ')}`);
      if (Date.now() >= deadline) throw new Error('the restored server did not finish recovery in time');
      await sleep(50);
    }
  } catch (err) {
    await stopNode(n, 5000).catch(() => killNode(n, 5000).catch(() => undefined));
    const log = tail(readLog(n), 600).trim().split('\n').filter((l) => /FATAL|ERROR|PANIC/.test(l)).slice(-2).join(' / ');
    rmSync(n.dataDir, { recursive: true, force: true });
    throw new Error(`restore of ${target} copied, but the server did not start: ${(err as Error).message.split('\n')[0]}${log ? ` (${log})` : ''}`, { cause: err });
  }
  return [...flags, `postgres://${st.user}:${encodeURIComponent(st.password)}@127.0.0.1:${port}/${st.database}`].join('\n');
}

/** Flips 16 bytes in the middle of the largest file of the backup set `label`; says which. */
function corruptLargestFile(st: ClusterState, label: string): string {
  const root = path.join(backupState(st).repo, 'backup', STANZA, label);
  let best: { file: string; size: number } | undefined;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && p.includes(`${path.sep}pg_data${path.sep}`)) {
        const size = statSync(p).size;
        if (!best || size > best.size) best = { file: p, size };
      }
    }
  };
  walk(root);
  if (!best || best.size < 64) throw new Error(`backup set ${label} holds no file to corrupt`);
  const offset = Math.floor(best.size / 2) - 8;
  const fd = openSync(best.file, 'r+');
  try {
    const buf = Buffer.alloc(16);
    readSync(fd, buf, 0, 16, offset);
    for (let i = 0; i < buf.length; i++) buf[i] = buf[i]! ^ 0xff;
    writeSync(fd, buf, 0, 16, offset);
  } finally {
    closeSync(fd);
  }
  if (st.owner) chownSync(best.file, st.owner.uid, st.owner.gid);
  return `${path.relative(path.join(backupState(st).repo, 'backup', STANZA), best.file)}: 16 bytes flipped at offset ${offset} of ${best.size}`;
}
