import { describe, expect, it } from 'vitest';
import { CannotRunError } from '@helios-conformance/core';
import { sessionSettings } from '../src/cases/sessions/settings.js';

describe('session case settings', () => {
  it('defaults to the seed: 50 sessions with a 30 s deadline, 20 listeners, 10 ms, lock waits < 1000', () => {
    const s = sessionSettings({}, 'ci');
    expect(s).toMatchObject({ leakConnections: 50, leakDeadlineMs: 30_000, listeners: 20, notifyP99Ms: 10, backlogMaxWaiting: 1_000 });
    expect(sessionSettings({}, 'full').notifyRate).toBeGreaterThan(s.notifyRate);
  });

  it('takes each figure as an option and refuses nonsense with a one-line CannotRunError', () => {
    const s = sessionSettings({ 'leak-connections': '10', 'notify-p99-ms': '2.5', 'backlog-max-queue-usage': '0.25' }, 'ci');
    expect(s.leakConnections).toBe(10);
    expect(s.notifyP99Ms).toBe(2.5);
    expect(s.backlogMaxQueueUsage).toBe(0.25);
    expect(() => sessionSettings({ listeners: 'many' }, 'ci')).toThrow(CannotRunError);
    expect(() => sessionSettings({ 'leak-connections': '2.5' }, 'ci')).toThrow(/--leak-connections must be a whole number from 2/);
    expect(() => sessionSettings({ 'backlog-max-queue-usage': '2' }, 'ci')).toThrow(/from 0 to 1/);
  });
});
