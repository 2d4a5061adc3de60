/**
 * `helios-testbed cluster --state DIR <action> [NODE]`: acts on a cluster started by startPgCluster
 * (or `helios-testbed up pg-cluster`) from any process, the way a topology file's action command
 * lines do. Exit 0 on success (output on stdout), 1 for `who-is-primary` with no primary, 2 with one
 * line on stderr for anything that failed.
 */
import { parseArgs } from 'node:util';
import { runClusterAction, ACTION_TIMEOUT_MS, type PgClusterAction } from '../pg-cluster.js';
import { readState } from './pg-cluster-node.js';
import { GALERA_ACTION_TIMEOUT_MS, runGaleraAction, type GaleraClusterAction } from '../galera-cluster.js';
import { isGaleraState } from './galera-node.js';
import { isPatroniState } from './patroni-node.js';
import type { PatroniClusterAction } from '../patroni-cluster.js';
import { isPafState, PAF_CLUSTER_USAGE, type AutoFailoverAction } from '../paf-cluster.js';
import { errorMessage, isRoot } from './util.js';

export const CLUSTER_USAGE = `Usage: helios-testbed cluster --state DIR <action> [NODE [SECONDS | TABLE] | GROUPS | KIND | TARGET | DSN] [--timeout-ms N]

Acts on a PostgreSQL cluster started by startPgCluster() or \`helios-testbed up pg-cluster\`
(DIR is its STATE_DIR, holding state.json). Run it as the user that started the cluster (root
on CI; the servers then run as postgres). partition and heal are carried out by the process that
started the cluster (it owns the replication link proxies), which must still be running.

Actions:
  kill NODE        SIGKILL of the node's postmaster and all its processes (a crash)
  start NODE       start it again; with another node primary, an old primary is rewound with
                   pg_rewind (fresh pg_basebackup if that fails) and rejoins as a standby
  stop NODE        fast shutdown
  pause NODE       SIGSTOP of the postmaster and all its processes
  resume NODE      SIGCONT of the same
  promote NODE     promote a standby (waits for the end of recovery) and re-point the other
                   running standbys to it
  who-is-primary   print each node answering pg_is_in_recovery() = false; exit 1 when none
  lag              per standby: state, sync_state, replay lag in bytes and ms (as the primary sees it)
  partition GROUPS cut every replication link between nodes of different groups (GROUPS: node
                   names, comma-separated within a group, groups separated by |, e.g. 'n1|n2,n3';
                   a node not named is a group of its own); replaces any earlier partition
  heal             restore every replication link (clients reach every node throughout)

Chaos:
  skew-clock NODE SECONDS
                   restart the node (fast shutdown, start) under libfaketime with its wall clock
                   shifted by SECONDS (e.g. 30 or -30; 0 restores it) and check its
                   clock_timestamp(); the skew stays for every later start. Needs libfaketime
  fill-disk NODE   (root) the first time, move the node's data directory onto a private tmpfs
                   (one restart); then fill that tmpfs until no byte is free
  free-disk NODE   remove the filler; start the node again if the full disk brought it down.
                   The tmpfs stays until the cluster stops

With backup (startPgCluster({ backup: 'pgbackrest' }) or \`up pg-cluster --backup\`), pgBackRest:
  backup KIND [REPO]
                   full, diff or incr backup of the current primary (into repository REPO,
                   default repo1); prints pgBackRest's warnings (e.g. invalid page checksums)
                   and then the backup label (last line);
                   a second backup while one runs is refused: exit 2, "unable to acquire lock"
  verify-backup    pgbackrest verify; exits 2 when its output reports an error (pgbackrest
                   itself exits 0 then)
  restore TARGET [REPO]
                   restore a backup label (or latest) to its consistent point, or replay WAL to
                   a point in time (time:2026-12-07T01:30:00.250Z: the backup set before it plus
                   archived WAL up to the last commit at or before it), into a NEW data dir,
                   start it as a throwaway server on a free port (never over the live cluster,
                   never archiving into its repository); prints its DSN (after a WARN line when
                   the set was taken with page checksum errors). With REPO, the set and the WAL
                   come from that repository only
  wal-archived REPO SEGMENT
                   (backupRepos > 1) wait until WAL segment SEGMENT is in repository REPO
  drop-restore DSN stop a restored server (its DSN or port) and remove its data dir
  corrupt-backup   flip 16 bytes in the largest file of the latest backup set; prints which
  corrupt-data NODE TABLE
                   stop NODE (fast), flip 16 bytes in block 0 of TABLE's data file, start it
                   again; with data checksums, reading the table then fails (XX001)

A Galera cluster (startGaleraCluster(); servers run as mysql): kill, start (rejoin by
IST or rsync SST), stop, pause, resume, who-is-primary (the nodes ready in the Primary component),
status (wsrep status per node), partition GROUPS (every group but the largest must be one node; it
is cut off with Galera's gmcast.isolate=1), heal (gmcast.isolate=0 everywhere).

${PAF_CLUSTER_USAGE}

Every action has a deadline (--timeout-ms, defaults: kill 10 s, start 60 s, stop 30 s,
promote 30 s, backup and restore 120 s, verify-backup 60 s, drop-restore 30 s, skew-clock,
fill-disk and free-disk 60 s, others 5-10 s)
and exits 2 with one line on failure.`;

const ACTIONS = Object.keys(ACTION_TIMEOUT_MS) as PgClusterAction[];

export async function clusterMain(argv: string[]): Promise<number> {
  const fail = (message: string): number => {
    process.stderr.write(`helios-testbed cluster: ${message}\n`);
    return 2;
  };
  let parsed;
  // A negative SECONDS of skew-clock (-30) is a value, not an option.
  const NEG = '\u0000neg:';
  try {
    parsed = parseArgs({
      args: argv.map((a) => (/^-\d+$/.test(a) ? NEG + a : a)),
      allowPositionals: true,
      options: { state: { type: 'string' }, 'timeout-ms': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (err) {
    return fail(`${errorMessage(err)} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(CLUSTER_USAGE + '\n');
    return 0;
  }
  const [action, node, ...more] = positionals.map((p) => (p.startsWith(NEG) ? p.slice(NEG.length) : p));
  // skew-clock NODE SECONDS, corrupt-data NODE TABLE, backup KIND REPO, restore TARGET REPO and
  // wal-archived REPO SEGMENT: the only actions with a second argument.
  const arg = ['skew-clock', 'corrupt-data', 'backup', 'restore', 'wal-archived'].includes(action ?? '') ? more.shift() : undefined;
  const rest = more;
  if (!values.state) return fail('missing --state DIR (the STATE_DIR of the cluster)');
  if (!action) return fail(`missing action (one of ${ACTIONS.join(', ')})`);
  const galeraActions = Object.keys(GALERA_ACTION_TIMEOUT_MS);
  if (!(ACTIONS as string[]).includes(action) && !galeraActions.includes(action)) return fail(`unknown action "${action}" (one of ${ACTIONS.join(', ')})`);
  if (rest.length) return fail(`unexpected argument "${rest[0]}"`);
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (timeoutMs !== undefined && !(timeoutMs > 0)) return fail('--timeout-ms must be a positive number');
  try {
    const st = readState(values.state);
    // A Galera cluster (startGaleraCluster) has its own actions; the servers run as mysql.
    if (isGaleraState(st)) {
      if (st.owner && !isRoot()) return fail('this cluster runs its servers as the mysql user: run the action as root');
      const out = await runGaleraAction(st, action as GaleraClusterAction, node, timeoutMs);
      if (action === 'who-is-primary' && out === '') return 1;
      if (out) process.stdout.write(out + '\n');
      return 0;
    }
    if (st.owner && !isRoot()) return fail('this cluster runs its servers as the postgres user: run the action as root');
    // A Patroni cluster (startPatroniCluster) has its own actions on the same command line.
    // Loaded only for a Patroni state: every action is a fresh process, its start-up time counts.
    const out = isPafState(st)
      ? await (await import('../paf-cluster.js')).runAutoFailoverAction(st, action as AutoFailoverAction, node, timeoutMs)
      : isPatroniState(st)
      ? await (await import('../patroni-cluster.js')).runPatroniAction(st, action as PatroniClusterAction, node, timeoutMs)
      : await runClusterAction(st, action as PgClusterAction, node, timeoutMs, arg);
    if (action === 'who-is-primary' && out === '') return 1;
    if (out) process.stdout.write(out + '\n');
    return 0;
  } catch (err) {
    // One line, and never the password (no error here carries a DSN; strip any conninfo password anyway).
    const line = errorMessage(err).split('\n')[0]!.replace(/password=\S+/g, 'password=***');
    return fail(`${action}${node ? ' ' + node : ''}: ${line}`);
  }
}
