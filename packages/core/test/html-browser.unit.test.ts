// The HTML report as a reader sees it: loaded in headless chromium at 700 px (suite-kit's
// checkHtml), from a real CLI run of the toy suite with failures, errors and an unexpected pass.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHtml, SKIP_BROWSER } from '@helios-conformance/suite-kit';
import { runToyCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'hc-core-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(SKIP_BROWSER)('HTML report in a real browser (chromium, 700 px)', () => {
  it('failing cases first, a "what failed" list at the top, no sideways scroll at 700 px', async () => {
    const file = join(dir, 'r.html');
    // A long DSN and long unbroken tokens in messages are what used to widen the page.
    const dsn = `toy://someone:pw@local/${'x'.repeat(150)}?caps=feature-x`;
    const exp = join(dir, 'exp.json');
    // TOY-010 passes although listed as failing: an unexpected pass (xpass).
    writeFileSync(exp, JSON.stringify({ expectations: { 'TOY-010': { expect: 'fail', reason: 'thought broken' } } }));
    const run = await runToyCli(['--dsn', dsn, '--only', 'TOY-001,TOY-002,TOY-003,TOY-005,TOY-006,TOY-010,TOY-011', '--expectations', exp, '--html', file]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const html = readFileSync(file, 'utf8');

    // Order: the what-failed list before the suite's sections, failing rows before passing rows.
    const listAt = html.indexOf('id="what-failed"');
    expect(listAt).toBeGreaterThan(0);
    expect(listAt).toBeLessThan(html.indexOf('id="suite-sections"'));
    const list = html.slice(listAt, html.indexOf('</section>', listAt));
    expect([...list.matchAll(/href="#case-(TOY-\d+)"/g)].map((m) => m[1])).toEqual(['TOY-002', 'TOY-003', 'TOY-010']);
    const rowIds = [...html.matchAll(/<tr class="row-([a-z/]+)" id="case-(TOY-\d+)"/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(rowIds.slice(0, 3)).toEqual(['fail TOY-002', 'error TOY-003', 'xpass TOY-010']);
    expect(rowIds).toHaveLength(7);

    const check = await checkHtml(file, { width: 700, screenshot: join(dir, 'r.png') });
    expect(check.problems).toEqual([]);
    expect(check.scrollWidth).toBeLessThanOrEqual(700);
    expect(check.innerScrollers).toEqual([]);
    expect(readFileSync(join(dir, 'r.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 90_000);

  it('each check can fail: a page wider than the viewport, a chart without size, chart text outside its chart', async () => {
    const file = join(dir, 'bad.html');
    writeFileSync(
      file,
      `<!doctype html><html><head><meta name="viewport" content="width=device-width"></head><body>
<div style="width:1100px">wide</div>
<svg aria-label="empty" width="0" height="0"></svg>
<svg aria-label="clipped" width="200" height="100" viewBox="0 0 200 100"><text x="190" y="50" font-size="12">a long label</text><text x="10" y="50">inside</text></svg>
</body></html>`,
    );
    const check = await checkHtml(file, { width: 700 });
    expect(check.scrollWidth).toBeGreaterThan(700);
    expect(check.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^the page scrolls sideways: \d+ px wide in a 700 px viewport$/),
        expect.stringMatching(/^chart "empty" has no size/),
        expect.stringMatching(/^chart "clipped": "a long label" sticks out by/),
      ]),
    );
    expect(check.problems.join('\n')).not.toMatch(/inside/);
  }, 90_000);

  it('a missing file or a page that never finishes is an error within the deadline, not a hang', async () => {
    const slow = join(dir, 'slow.html');
    // A page whose load never ends (a script that spins) must be killed at the deadline.
    writeFileSync(slow, '<!doctype html><body><script>for(;;){}</script></body>');
    const t0 = Date.now();
    await expect(checkHtml(slow, { timeoutMs: 5_000 })).rejects.toThrow(/did not finish within 5000 ms/);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(() => statSync(join(dir, 'missing.html'))).toThrow();
    await expect(checkHtml(join(dir, 'missing.html'))).rejects.toThrow(/ENOENT/);
  }, 60_000);
});
