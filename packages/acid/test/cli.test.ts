// The built CLI (dist/cli.js, run `npm run build` first) end to end against real servers.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, startPostgres, type Endpoint } from '@helios-conformance/testbed';
import { packageDir, runCli } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hc-acid-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('against PostgreSQL 15 (--dsn)', () => {
  let server: Endpoint;
  beforeAll(async () => {
    server = await startPostgres({ tls: false });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs the whole catalog: exit 0 with the shipped expectations, matrix and list-append in the JSON, durability skipped', async () => {
    const json = path.join(dir, 'pg.json');
    const html = path.join(dir, 'pg.html');
    const histories = path.join(dir, 'histories');
    const expectations = path.join(packageDir, 'expectations/postgresql-15.json');
    const r = await runCli(['--dsn', server.dsn, '--json', json, '--html', html, '--history-dir', histories, '--expectations', expectations, '--seed', '7']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.sections.isolation.matrix.serializable['G2-item'].outcome).toBe('prevented');
    expect(report.sections.isolation.matrix['repeatable read']['G2-item'].outcome).toBe('allowed');
    expect(Object.keys(report.sections.listAppend)).toEqual(expect.arrayContaining(['read committed', 'repeatable read', 'serializable']));
    expect(report.sections.listAppend.serializable.anomalies).toEqual({});
    expect(report.results.find((x: { id: string }) => x.id === 'AC-130').status).toBe('skip');
    expect(r.stdout).toMatch(/Isolation matrix/);
    expect(r.stdout).toMatch(/List-append/);
    expect(r.stdout + r.stderr + readFileSync(json, 'utf8') + readFileSync(html, 'utf8')).not.toContain(server.password);
    expect(readFileSync(html, 'utf8')).toMatch(/List-append verdicts/);
    expect(readFileSync(path.join(histories, 'list-append-serializable.json'), 'utf8')).toMatch(/^\[\{"type":"invoke","f":"txn"/);
  }, 240_000);
});

describe('against MariaDB 10.11 (--dsn mysql://)', () => {
  let server: Endpoint;
  beforeAll(async () => {
    server = await startMariadb({ tls: false });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('judges serializable list-append and the bank through the same CLI', async () => {
    const json = path.join(dir, 'my.json');
    const r = await runCli(['--dsn', server.dsn, '--only', 'AC-104,AC-110,AC-120', '--json', json]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.sections.listAppend.serializable.ok).toBeGreaterThan(0);
    expect(report.sections.bank.serializable.finalTotal).toBe(report.sections.bank.serializable.expectedTotal);
  }, 120_000);
});

describe('cannot run: exit 2 with one plain line', () => {
  it('for a malformed DSN', async () => {
    const r = await runCli(['--dsn', 'oracle://u:secret@127.0.0.1/db']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/scheme/);
    expect(r.stderr).not.toContain('secret');
  });

  it('for a port nobody listens on', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = await runCli(['--dsn', `postgres://hc:secret@127.0.0.1:${port}/hc`, '--open-timeout-ms', '5000']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('secret');
  });

  it('for --dsn together with --testbed, or a bad --size', async () => {
    const a = await runCli(['--dsn', 'postgres://u@127.0.0.1/db', '--testbed', 'postgres']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/either --dsn or --testbed/);
    const b = await runCli(['--testbed', 'postgres', '--size', 'huge']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--size must be ci or full/);
  });
});
