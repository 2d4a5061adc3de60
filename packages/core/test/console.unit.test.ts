/* eslint-disable no-control-regex -- the assertions are about terminal escape sequences */
import { describe, it, expect, beforeAll } from 'vitest';
import { runCli, type Suite } from '../src/index.js';
import { loadToy } from './helpers.js';

let toy: Suite<any>;
beforeAll(async () => {
  toy = await loadToy();
});

function sink(isTTY: boolean) {
  let text = '';
  return { write: (s: string) => void (text += s), isTTY, get text() { return text; } };
}

describe('console reporter', () => {
  it('on a TTY: a live status line with count, current case and elapsed time on stderr', async () => {
    const stdout = sink(true);
    const stderr = sink(true);
    await runCli(toy, ['--only', 'TOY-001,TOY-012', '--dsn', 'toy://u:longsecret@local/x'], { stdout, stderr, env: {} });
    expect(stderr.text).toMatch(/\r\x1b\[2K\[2\/2\] TOY-012 respects its deadline · \d+\.\ds/);
    expect(stdout.text).toMatch(/\x1b\[32mPASS /); // colour on a terminal
  });

  it('not on a TTY (or in CI): plain lines only, no escape sequences', async () => {
    for (const [tty, env] of [[false, {}], [true, { CI: 'true' }]] as const) {
      const stdout = sink(tty);
      const stderr = sink(tty);
      await runCli(toy, ['--only', 'TOY-001,TOY-002'], { stdout, stderr, env });
      expect(stdout.text + stderr.text).not.toMatch(/\x1b\[/);
      expect(stdout.text).toMatch(/^PASS {2}1\/2 TOY-001 passes \(\d+ ms\)$/m);
      expect(stdout.text).toMatch(/^FAIL {2}2\/2 TOY-002 fails an assertion/m);
      expect(stdout.text).toMatch(/^ {2}PASS +1$/m); // summary table
      expect(stdout.text).toMatch(/^conformant: no — P0 must-pass 1\/1 · P1 0\/1 \(1 of 2 cases run\) — suite: @helios-conformance\/toy \(not one of the seed's tiered ecosystems\) — .* — seed \d+$/m);
    }
  });
});
