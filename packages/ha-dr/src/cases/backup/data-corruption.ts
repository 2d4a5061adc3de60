// HA-034, the data-file half of the seed's corruption test (TC-BR-004 judges the backup half; a case
// of its own so that a topology without `corrupt-data` still gets its backup verdict, and this one is
// n/a rather than silently skipped). Bytes are flipped inside a table's data file on the primary
// (the topology's `corrupt-data {node} {table}`: a disk that returns wrong bytes). Reading the table
// must then fail with the engine's data-corruption error (SQLSTATE XX001, "invalid page", a checksum
// failure), never return rows; and a backup of the damaged cluster must flag it (non-zero exit, or a
// warning naming a checksum / invalid page in its output: pgBackRest checks every page it copies and
// only warns). With `restore` declared, the recovery is judged too: a backup taken BEFORE the damage
// (once the rows were acknowledged) restores with every row, byte for byte (never a wrong row), and
// restoring the flagged backup is refused (non-zero exit), flagged (its output names the checksum
// damage) or its server refuses the damaged table with the corruption error — never wrong rows
// served without a word.
import { defineCase, type CaseContext } from '@helios-conformance/core';
import { closeClient } from '@helios-conformance/sql/postgres';
import { describeFailure } from '../../actions.js';
import { primaries, queryNode } from '../../_internal/nodes.js';
import type { HaDrTarget } from '../../target.js';
import type { TopologyNode } from '../../topology.js';
import { lastLine, requireActions, start, type Act } from './backup.js';

type Ctx = CaseContext<HaDrTarget>;

/** An error that names the damage: SQLSTATE XX001 (data_corrupted) or a checksum / invalid-page message. */
export const CORRUPTION_ERROR = /invalid page|checksum|data[_ ]corrupted|corrupt/i;
/** What a backup that noticed a damaged page says. */
export const BACKUP_FLAG = /invalid page|checksum|corrupt/i;

const ROWS = 2000;

/** Reads every row of `qualified` on `node` (or at a DSN), within `ms`: the rows, or the error (code and message). */
async function readRows(node: TopologyNode | string, qualified: string, ms = 10_000): Promise<{ rows?: Array<{ id: number; payload: string }>; code?: string; error?: string }> {
  const r = await queryNode(typeof node === 'string' ? node : node.dsn, `SELECT id, payload FROM ${qualified} ORDER BY id`, ms, 'helios-ha-dr-corruption-check');
  if (r.ok) return { rows: r.rows.map((x: Record<string, unknown>) => ({ id: Number(x.id), payload: String(x.payload) })) };
  return r.timedOut ? { error: r.error } : { code: r.code, error: r.error };
}

/** How a restore's rows compare with the acknowledged ones: undefined when identical, else one line. */
function compareRows(got: Array<{ id: number; payload: string }>, expected: string[]): string | undefined {
  const have = new Map(got.map((r) => [r.id, r.payload]));
  const want = new Map(expected.map((x) => [Number(x.split(':')[0]), x.slice(x.indexOf(':') + 1)]));
  const missing = [...want.keys()].filter((id) => !have.has(id));
  const wrong = [...want.entries()].filter(([id, p]) => have.has(id) && have.get(id) !== p).map(([id]) => id);
  const extra = [...have.keys()].filter((id) => !want.has(id));
  if (!missing.length && !wrong.length && !extra.length) return undefined;
  return [missing.length && `${missing.length} acknowledged rows missing`, wrong.length && `${wrong.length} WRONG rows (ids ${wrong.slice(0, 5).join(', ')})`, extra.length && `${extra.length} rows never written`].filter(Boolean).join(', ');
}

/** Restores `target`, reads the table there, drops the restore. */
async function restoreRows(ctx: Ctx, act: Act, target: string, qualified: string): Promise<{ ok: boolean; out: string; ms: number; failure?: string; read?: Awaited<ReturnType<typeof readRows>> }> {
  const r = await act('restore', { target });
  const out = `${r.stdout}\n${r.stderr}`;
  if (!r.ok) return { ok: false, out, ms: r.ms, failure: describeFailure(r) };
  const dsn = lastLine(r.stdout);
  if (!/^postgres(ql)?:\/\//.test(dsn)) return { ok: true, out, ms: r.ms, failure: `restore ${target} printed no postgres:// DSN on its last stdout line` };
  try {
    return { ok: true, out, ms: r.ms, read: await readRows(dsn, qualified) };
  } finally {
    if (ctx.target.topology.actions['drop-restore']) {
      const d = await act('drop-restore', { dsn });
      if (!d.ok) ctx.log(`could not drop the restore of ${target}: ${describeFailure(d)}`);
    }
  }
}

/** HA-034: a flipped page in a table's data file is reported on read (never wrong rows) and flagged by a backup. */
export const dataFileCorruption = defineCase<HaDrTarget>({
  id: 'HA-034',
  title: "bytes flipped in a table's data file on the primary: reading the table fails with the data-corruption error (XX001, checksum / invalid page), never returns rows, a backup of the damaged cluster flags it, the last backup taken before the damage restores every acknowledged row by content, and restoring the flagged backup is refused or flagged",
  priority: 'p0',
  area: 'backup',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-BR-004 (data-file half); heliosdb-test-framework-design.txt §9 disk corruption',
  destructive: true,
  timeoutMs: 300_000,
  async run(ctx: Ctx) {
    requireActions(ctx, ['corrupt-data', 'backup']);
    const { rep, phase, act } = start(ctx);
    const t = ctx.target.topology;
    const table = 'pages_ha_034';
    const qualified = ctx.target.client.qualify(table);
    const c = await ctx.target.client.connect();
    let expected: string[];
    try {
      await c.query(`CREATE TABLE ${qualified} AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, ${ROWS}) g`);
      expected = (await c.query<{ id: string; payload: string }>(`SELECT id, payload FROM ${qualified} ORDER BY id`)).rows.map((r) => `${r.id}:${r.payload}`);
    } finally {
      await closeClient(c);
    }
    const p = await primaries(t);
    if (p.length !== 1) return ctx.fail(`steady state not reached: ${p.length} nodes answer as primary (${p.join(', ') || 'none'})`);
    const node = t.nodes.find((n) => n.name === p[0])!;
    const before = await readRows(node, qualified);
    if (!before.rows || before.rows.length !== ROWS) return ctx.fail(`steady state not reached: reading ${table} on ${node.name} before the fault: ${before.error ?? `${before.rows?.length} rows`}`);
    // The backup to come back to: taken once the rows are acknowledged, before any damage.
    const recover = t.actions.restore !== undefined;
    let preLabel: string | undefined;
    if (recover) {
      const pre = await act('backup', { kind: 'incr' });
      if (!pre.ok) return ctx.fail(`steady state not reached: backup before the damage failed: ${describeFailure(pre)}`);
      preLabel = lastLine(pre.stdout);
    }
    phase('steady state', `${ROWS} rows in ${table}, read back intact on the primary ${node.name}${preLabel ? `; backup ${preLabel} taken before the damage` : ''}`);

    let damaged = false;
    // The damaged file goes with the table (a DROP reads no page). The backup that copied it stays in
    // the repository, flagged; later restores of other labels never need that table.
    const rollback = async (): Promise<void> => {
      if (!damaged) return;
      damaged = false;
      const d = await ctx.target.client.connect();
      try {
        await d.query(`DROP TABLE IF EXISTS ${qualified}`);
      } finally {
        await closeClient(d);
      }
      phase('rollback', 'the damaged table dropped (its data file with it); every restored server dropped; the flagged backup stays in the repository');
    };
    ctx.defer(rollback);
    const k = await act('corrupt-data', { node: node.name, table: qualified });
    damaged = true;
    if (!k.ok) return ctx.fail(`fault not injected: ${describeFailure(k)}`);
    phase('fault', `corrupt-data ${node.name}: ${lastLine(k.stdout) || 'done'}`);

    const after = await readRows(node, qualified);
    let readVerdict: string | undefined;
    if (after.rows) {
      const got = after.rows.map((r) => `${r.id}:${r.payload}`);
      const same = got.length === expected.length && got.every((x, i) => x === expected[i]);
      readVerdict = same
        ? `reading the damaged table returned all ${ROWS} rows unchanged: the damage went unnoticed (no data checksums, or the flipped bytes were never read)`
        : `reading the damaged table returned ${got.length} rows, ${got.filter((x, i) => x !== expected[i]).length} of them WRONG, without an error`;
    } else if (!(after.code === 'XX001' || CORRUPTION_ERROR.test(after.error ?? ''))) {
      readVerdict = `reading the damaged table failed, but not with a data-corruption error: ${after.code ?? ''} ${after.error}`.replace(/\s+/g, ' ');
    }
    rep.read = { code: after.code ?? null, error: after.error ?? null, rows: after.rows?.length ?? null };
    phase('observation', readVerdict ?? `reading the damaged table on ${node.name} fails: ${after.code ?? ''} ${after.error}`);

    const b = await act('backup', { kind: 'full' });
    const out = `${b.stdout}\n${b.stderr}`;
    const flagged = !b.ok || BACKUP_FLAG.test(out);
    const flagLine = out.split('\n').find((l) => BACKUP_FLAG.test(l))?.trim();
    rep.backup = { ok: b.ok, flagged, line: flagLine ?? null, ms: b.ms };
    phase('observation', flagged ? `the backup of the damaged cluster flags it: ${b.ok ? flagLine : describeFailure(b)}` : `backup ${lastLine(b.stdout)} of the damaged cluster succeeded without a word about the damage`);
    ctx.metric('readRefused', after.rows ? 0 : 1);
    ctx.metric('corruptionErrorCode', after.code === 'XX001' ? 1 : 0);
    ctx.metric('backupFlagged', flagged ? 1 : 0);

    // Recovery: the backup before the damage, by content; then the flagged one.
    let preVerdict: string | undefined;
    let flaggedVerdict: string | undefined;
    if (preLabel) {
      const pr = await restoreRows(ctx, act, preLabel, qualified);
      const bad = pr.failure ?? (pr.read?.rows ? compareRows(pr.read.rows, expected) : `reading ${table} there fails: ${pr.read?.code ?? ''} ${pr.read?.error}`.replace(/\s+/g, ' '));
      preVerdict = bad ? `restore of ${preLabel}, the last backup before the damage: ${bad}` : undefined;
      rep.restoreBefore = { label: preLabel, ok: pr.ok, ms: pr.ms, rows: pr.read?.rows?.length ?? null, verdict: bad ?? 'every acknowledged row, by content' };
      phase('observation', preVerdict ?? `restore of ${preLabel} (before the damage) in ${pr.ms} ms: all ${ROWS} acknowledged rows present, byte for byte`);
      ctx.metric('rowsRestoredIntact', bad ? 0 : ROWS);
      ctx.metric('restoreBeforeMs', pr.ok ? pr.ms : null);
      if (b.ok) {
        const label = lastLine(b.stdout);
        const fr = await restoreRows(ctx, act, label, qualified);
        const said = fr.out.split('\n').find((l) => BACKUP_FLAG.test(l))?.trim();
        let how: 'refused' | 'flagged' | 'read refused' | undefined;
        if (!fr.ok) how = 'refused';
        else if (said) how = 'flagged';
        else if (fr.read && !fr.read.rows && (fr.read.code === 'XX001' || CORRUPTION_ERROR.test(fr.read.error ?? ''))) how = 'read refused';
        const served = fr.read?.rows ? compareRows(fr.read.rows, expected) : undefined;
        if (!how) flaggedVerdict = fr.failure ? `restore of the flagged backup ${label}: ${fr.failure}` : fr.read?.rows ? (served ? `restore of the flagged backup ${label} succeeded without a word and serves ${served}` : undefined) : `restore of the flagged backup ${label} succeeded without a word; reading ${table} there fails, but not with a data-corruption error: ${fr.read?.code ?? ''} ${fr.read?.error}`.replace(/\s+/g, ' ');
        rep.restoreFlagged = { label, ok: fr.ok, ms: fr.ms, how: how ?? null, line: said ?? null, read: fr.read ? { code: fr.read.code ?? null, rows: fr.read.rows?.length ?? null } : null };
        phase(
          'observation',
          how === 'refused'
            ? `restoring the flagged backup ${label} is refused: ${fr.failure}`
            : how === 'flagged'
              ? `restoring the flagged backup ${label} is flagged: ${said}${fr.read && !fr.read.rows ? `; its server refuses the table (${fr.read.code ?? fr.read.error})` : ''}`
              : how === 'read refused'
                ? `the restore of the flagged backup ${label} refuses the damaged table: ${fr.read?.code ?? ''} ${fr.read?.error}`
                : (flaggedVerdict ?? `the restore of the flagged backup ${label} serves all ${ROWS} rows intact (the damage did not reach the backup)`),
        );
        ctx.metric('flaggedRestoreRefusedOrFlagged', how ? 1 : 0);
      } else {
        phase('observation', 'the backup of the damaged cluster was refused: there is no flagged backup to restore');
      }
    } else {
      phase('observation', 'the topology declares no "restore" action: recovery from the backups is not judged');
    }

    await rollback();

    const broken: string[] = [];
    if (readVerdict) broken.push(readVerdict);
    if (!flagged) broken.push('the backup of the damaged cluster did not flag the damaged page (exit 0, no checksum / invalid page warning)');
    if (preVerdict) broken.push(preVerdict);
    if (flaggedVerdict) broken.push(flaggedVerdict);
    if (broken.length) return ctx.fail(broken.join('; '));
  },
});
