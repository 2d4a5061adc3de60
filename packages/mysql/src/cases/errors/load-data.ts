import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { connect, createTable, defineMysqlCase, exec, rejectionOf, rows } from '../../_internal/case-kit.js';

/** MY-069: LOAD DATA LOCAL INFILE where the server allows it. */
export const loadDataLocal = defineMysqlCase({
  id: 'MY-069',
  title: 'LOAD DATA LOCAL INFILE: rows streamed by the client are loaded and counted in the OK packet',
  priority: 'p1',
  area: 'load-data',
  requires: ['local-infile'],
  spec: 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_local_infile_request.html',
  timeoutMs: 20_000,
  async run(ctx) {
    const lines = Array.from({ length: 5000 }, (_, i) => `${i}\tname-${i}\t${i % 7 === 0 ? '\\N' : 'é😀'}\n`).join('');
    let asked = '';
    const conn = await connect(ctx, {
      infileStreamFactory: (path: string) => {
        asked = path;
        return Readable.from([Buffer.from(lines)]);
      },
    });
    await createTable(conn, 'my069', 'id INT PRIMARY KEY, name VARCHAR(20), note VARCHAR(10) NULL');
    const ok = await exec(conn, "LOAD DATA LOCAL INFILE 'hc-my069.tsv' INTO TABLE my069 CHARACTER SET utf8mb4");
    assert.equal(asked, 'hc-my069.tsv', 'file name the server asked for');
    assert.equal(ok.affectedRows, 5000, 'affectedRows of LOAD DATA');
    const [r] = await rows<{ n: number; nulls: number; e: string }>(conn, 'SELECT COUNT(*) AS n, SUM(note IS NULL) AS nulls, MAX(note) AS e FROM my069');
    assert.deepEqual([Number(r?.n), Number(r?.nulls), r?.e], [5000, 715, 'é😀'], '[rows, NULLs, text] loaded');
  },
});

/** MY-070: refused when the client does not announce CLIENT_LOCAL_FILES. */
export const loadDataRefused = defineMysqlCase({
  id: 'MY-070',
  title: 'LOAD DATA LOCAL INFILE is refused with an error when the client does not allow local files, and nothing is loaded',
  priority: 'p1',
  area: 'load-data',
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx, { flags: ['-LOCAL_FILES'] });
    await createTable(conn, 'my070', 'id INT');
    // MariaDB refuses with 4166, MySQL with 1148 or 2068: any server error will do.
    const err = await rejectionOf(conn.query("LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE my070"));
    assert.ok(err !== null, 'LOAD DATA LOCAL succeeded although the client did not announce CLIENT_LOCAL_FILES');
    assert.ok(typeof err.errno === 'number' && err.errno >= 1000, `expected a server error, got ${err.code ?? ''} ${err.message}`);
    ctx.metric('errno', err.errno);
    ctx.log(`refused with ${err.errno} ${err.sqlState ?? ''}: ${err.message}`);
    const [r] = await rows<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM my070');
    assert.equal(Number(r?.n), 0, 'rows after the refused LOAD DATA');
  },
});
