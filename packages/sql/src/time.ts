/** Resolves after `ms`, or rejects with the signal's reason when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `p`, but gives up after `ms`: resolves `{ timedOut: true }` instead of waiting on. */
export async function within<T>(p: Promise<T>, ms: number): Promise<{ timedOut: false; value: T } | { timedOut: true }> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<{ timedOut: true }>((r) => {
    timer = setTimeout(() => r({ timedOut: true }), ms);
  });
  try {
    return await Promise.race([p.then((value) => ({ timedOut: false as const, value })), t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves true when `p` settles within `ms` (fulfilled or rejected), false otherwise; never rejects. */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  const r = await within(
    p.then(
      () => true,
      () => true,
    ),
    ms,
  );
  return !r.timedOut;
}

/** A promise's outcome as a value, so it can be raced and inspected later. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Settles a promise into a value or an error. */
export function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * Ends a connection politely (`end()`), then `destroy()`s it when the peer has not finished
 * within `graceMs`. Never throws, never hangs.
 */
export async function endWithin(end: () => Promise<unknown>, destroy: () => void, graceMs: number): Promise<void> {
  let ending: Promise<unknown>;
  try {
    ending = end().catch(() => undefined);
  } catch {
    ending = Promise.resolve();
  }
  await within(ending, graceMs);
  try {
    destroy();
  } catch {
    // already gone
  }
}
