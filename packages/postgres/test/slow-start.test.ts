// The embedded PGlite on a slow machine. The slowness is simulated with the testbed's labelled
// test knob HC_TESTBED_PGLITE_READY_DELAY_MS (the child holds its ready line back that long,
// reporting progress): a start of ~20 s, which the former fixed 15 s open budget turned into
// "could not open the endpoint within 15000 ms", exit 2.
import { describe, expect, it } from 'vitest';
import { runCli } from '@helios-conformance/suite-kit';

const slow = { HC_TESTBED_PGLITE_READY_DELAY_MS: '20000' };

describe('embedded PGlite on a slow machine', () => {
  it('opens within the embedded default budget (60 s) and says what the start is doing meanwhile', async () => {
    const run = await runCli(['--only', 'PG-001', '--no-color'], { env: slow, timeoutMs: 100_000 });
    expect(run.stdout + run.stderr).toMatch(/PGlite still starting after \d+ s: holding the ready line back 20000 ms \(test knob HC_TESTBED_PGLITE_READY_DELAY_MS\) \(gives up after 60 s\)/);
    expect(run.stdout).toMatch(/PASS +1\/1 PG-001/);
    expect(run.ms).toBeGreaterThan(20_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
  }, 110_000);

  it('--open-timeout-ms still wins: a 5 s budget gives up with exit 2 and one line', async () => {
    const run = await runCli(['--only', 'PG-001', '--no-color', '--open-timeout-ms', '5000'], { env: slow, timeoutMs: 60_000 });
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stdout + run.stderr).toMatch(/could not open the endpoint within 5000 ms/);
    expect(run.ms).toBeLessThan(20_000);
  }, 70_000);
});
