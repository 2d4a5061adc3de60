import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type RunEvent } from '@helios-conformance/core';
import { leftoverNamespaces, startProxy, testServer, withParams, type FrameHook, type MyFrame, type Proxy } from '@helios-conformance/suite-kit';
import { mysqlSuite } from '../src/index.js';

// Runner liveness against the test MariaDB behind the kit's framing proxy: at the first query of
// MY-027 the endpoint "dies" (every connection reset, new ones refused) and comes back 2.5 s later.
// The MySQL session's probe must see it down and up again, and close() must drop the run's
// database although the admin connection it opened at the start died with the endpoint.

const CASES = ['MY-025', 'MY-026', 'MY-027', 'MY-028', 'MY-029', 'MY-030', 'MY-031', 'MY-032', 'MY-033', 'MY-034', 'MY-035', 'MY-037'];
const COM_QUERY = 0x03;
const COM_STMT_PREPARE = 0x16;

describe('runner liveness (MySQL family): the endpoint stops answering during a case', () => {
  let proxy: Proxy;
  let armed = false;
  let timer: NodeJS.Timeout | undefined;
  const dieAtFirstQuery: FrameHook<MyFrame> = (frame) => {
    const command = frame.seq === 0 ? frame.body[0] : undefined;
    if (!armed || (command !== COM_QUERY && command !== COM_STMT_PREPARE)) return frame;
    armed = false;
    proxy.kill();
    timer = setTimeout(() => proxy.resume(), 2_500);
    return null;
  };

  beforeAll(async () => {
    const { host, port } = testServer('mariadb');
    proxy = await startProxy({ family: 'mysql', upstream: { host, port }, client: dieAtFirstQuery });
  });
  afterAll(async () => {
    clearTimeout(timer);
    await proxy?.stop();
  });

  it('names the case, reports the next ones down, runs the rest once it answers, and drops the database with a fresh login', async () => {
    const notes: string[] = [];
    const onEvent = (e: RunEvent): void => {
      if (e.type === 'note') notes.push(e.message);
      if (e.type === 'case-start' && e.id === 'MY-027') armed = true;
    };
    const t0 = Date.now();
    const report = await runSuite(mysqlSuite, { dsn: proxy.dsnVia(withParams(testServer('mariadb').dsn, { 'ssl-mode': 'DISABLED' })), only: CASES, seed: 7, onEvent });
    const ms = Date.now() - t0;
    const database = /run database (hc_[a-z0-9]{8})/.exec(notes.join('\n'))?.[1];
    expect(database).toBeDefined();

    expect(report.results.slice(0, 2).map((r) => r.status)).toEqual(['pass', 'pass']);
    const died = report.results[2];
    expect(died?.id).toBe('MY-027');
    expect(died?.status).toBe('error');
    expect(died?.message).toMatch(/the endpoint stopped answering during this case \(probe: .+\)$/);
    const down = report.results.filter((r) => r.liveness?.state === 'down');
    expect(down.length).toBeGreaterThanOrEqual(1);
    expect(down.length).toBeLessThanOrEqual(4);
    for (const r of down) expect(r.message).toMatch(/^not run: endpoint down since MY-027 \(probe: .+\)$/);
    const after = report.results.slice(3 + down.length);
    expect(after.length).toBeGreaterThanOrEqual(5);
    for (const r of after) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    expect(notes.filter((m) => m.startsWith('cleanup warning'))).toEqual([]);
    expect(await leftoverNamespaces(testServer('mariadb').dsn)).not.toContain(database);
    expect(ms).toBeLessThan(30_000);
  });
});
