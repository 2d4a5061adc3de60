import type { SuiteSession } from './model.js';

/**
 * Deadline of one liveness probe (a fresh connection and a trivial query). Generous next to a
 * login's usual tens of milliseconds, so a busy endpoint on a loaded machine is not taken for a
 * dead one; a frozen endpoint costs this much per probe.
 */
export const PROBE_DEADLINE_MS = 2_000;
/** Pause between two probes while the runner waits for a down endpoint (no long sleeps). */
export const PROBE_RETRY_MS = 250;
/** How long the runner keeps starting probes for a down endpoint before each following case. */
export const PROBE_WINDOW_MS = 1_000;
/** Default total time a run spends waiting for a down endpoint between cases ({@link RunOptions.livenessBudgetMs}). */
export const DEFAULT_LIVENESS_BUDGET_MS = 30_000;

const SOCKET_LOSS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The default {@link SuiteDefinition.isConnectionLoss}: Node's socket error codes that mean the connection is gone. */
export function isSocketLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && SOCKET_LOSS.has(code);
}

const reasonOf = (e: unknown): string => {
  const err = e as { code?: unknown; message?: unknown } | null | undefined;
  const message = typeof err?.message === 'string' && err.message ? err.message.split('\n')[0]! : String(e);
  const code = typeof err?.code === 'string' ? err.code : undefined;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
};

/**
 * One probe with a hard deadline: null when the endpoint answered, else the reason in one line.
 * The session's probe gets a signal aborted at the deadline; a probe that ignores it is abandoned.
 */
export async function probeOnce(session: Pick<SuiteSession<unknown>, 'probe'>, ms: number, runSignal?: AbortSignal): Promise<string | null> {
  if (!session.probe) return null;
  const ac = new AbortController();
  const onRun = (): void => ac.abort(runSignal?.reason);
  runSignal?.addEventListener('abort', onRun, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      ac.abort(new Error(`no answer within ${ms} ms`));
      resolve(`no answer within ${ms} ms`);
    }, ms);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(() => session.probe!(ac.signal))
        .then(
          () => (ac.signal.aborted ? `no answer within ${ms} ms` : null),
          (e: unknown) => (ac.signal.aborted && !runSignal?.aborted ? `no answer within ${ms} ms` : reasonOf(e)),
        ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
    runSignal?.removeEventListener('abort', onRun);
  }
}

/**
 * Probes until the endpoint answers or `windowMs` has passed (a probe every {@link PROBE_RETRY_MS},
 * each within {@link PROBE_DEADLINE_MS}, so never past the window by more than one deadline): null
 * when it answered, else the last probe's reason.
 */
export async function waitForEndpoint(session: Pick<SuiteSession<unknown>, 'probe'>, windowMs: number, runSignal?: AbortSignal): Promise<string | null> {
  const end = Date.now() + windowMs;
  let reason: string | null = 'not probed';
  for (;;) {
    if (runSignal?.aborted) return reason;
    reason = await probeOnce(session, PROBE_DEADLINE_MS, runSignal);
    if (reason === null) return null;
    const left = end - Date.now();
    if (left <= 0) return reason;
    await pause(Math.min(PROBE_RETRY_MS, left), runSignal);
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
