// HA-034, the data-file half of the seed's corruption test (TC-BR-004 judges the backup half; a case
// of its own so that a topology without `corrupt-data` still gets its backup verdict, and this one is
// n/a rather than silently skipped). Bytes are flipped inside a table's data file on the primary
// (the topology's `corrupt-data {node} {table}`: a disk that returns wrong bytes). Reading the table
// must then fail with the engine's data-corruption error (SQLSTATE XX001, "invalid page", a checksum
// failure), never return rows; and a backup of the damaged cluster must flag it (non-zero exit, or a
// warning naming a checksum / invalid page in its output: pgBackRest checks every page it copies and
// only warns).
import { defineCase, type CaseContext } from '@helios-conformance/core';
import { closeClient } from '@helios-conformance/sql/postgres';
import { describeFailure } from '../../actions.js';
import { primaries, queryNode } from '../../_internal/nodes.js';
import type { HaDrTarget } from '../../target.js';
import type { TopologyNode } from '../../topology.js';
import { lastLine, requireActions, start } from './backup.js';

type Ctx = CaseContext<HaDrTarget>;

/** An error that names the damage: SQLSTATE XX001 (data_corrupted) or a checksum / invalid-page message. */
export const CORRUPTION_ERROR = /invalid page|checksum|data[_ ]corrupted|corrupt/i;
/** What a backup that noticed a damaged page says. */
export const BACKUP_FLAG = /invalid page|checksum|corrupt/i;

const ROWS = 2000;

/** Reads every row of `qualified` on `node`, within `ms`: the rows, or the error (code and message). */
async function readRows(node: TopologyNode, qualified: string, ms = 10_000): Promise<{ rows?: Array<{ id: number; payload: string }>; code?: string; error?: string }> {
  const r = await queryNode(node.dsn, `SELECT id, payload FROM ${qualified} ORDER BY id`, ms, 'helios-ha-dr-corruption-check');
  if (r.ok) return { rows: r.rows.map((x: Record<string, unknown>) => ({ id: Number(x.id), payload: String(x.payload) })) };
  return r.timedOut ? { error: r.error } : { code: r.code, error: r.error };
}

/** HA-034: a flipped page in a table's data file is reported on read (never wrong rows) and flagged by a backup. */
export const dataFileCorruption = defineCase<HaDrTarget>({
  id: 'HA-034',
  title: "bytes flipped in a table's data file on the primary: reading the table fails with the data-corruption error (XX001, checksum / invalid page), never returns rows, and a backup of the damaged cluster flags it",
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
    phase('steady state', `${ROWS} rows in ${table}, read back intact on the primary ${node.name}`);

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
      phase('rollback', 'the damaged table dropped (its data file with it); the flagged backup stays in the repository');
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
    await rollback();
    ctx.metric('readRefused', after.rows ? 0 : 1);
    ctx.metric('corruptionErrorCode', after.code === 'XX001' ? 1 : 0);
    ctx.metric('backupFlagged', flagged ? 1 : 0);

    const broken: string[] = [];
    if (readVerdict) broken.push(readVerdict);
    if (!flagged) broken.push('the backup of the damaged cluster did not flag the damaged page (exit 0, no checksum / invalid page warning)');
    if (broken.length) return ctx.fail(broken.join('; '));
  },
});
