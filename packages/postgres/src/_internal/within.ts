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
