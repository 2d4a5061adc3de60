import { within } from './time.js';

/** A server the run started itself (a testbed `Endpoint` fits): its DSN, whether it still runs, how to stop it. */
export interface OwnedServer {
  readonly dsn: string;
  alive(): boolean;
  /** Resolves true once the server has exited (within `ms`); lets a failed case tell a crash from a refusal. */
  waitForExit?(ms: number): Promise<boolean>;
  stop(): Promise<void>;
}

/** Options of {@link openOnOwnedServer}. */
export interface OwnedServerOptions {
  /**
   * How long close() waits for the session's own cleanup before the server is stopped anyway
   * (default: no limit). A server that dies with the run needs no polite goodbye: a short limit
   * keeps a wedged server (e.g. PGlite after a protocol desync) from holding the run open.
   */
  closeWithinMs?: number;
  /**
   * Names the server (e.g. `embedded PGlite`) to restart it when it dies during a run: after the
   * case during which it died, a fresh server is started and the session re-opened (`open` must
   * re-create the run's namespace under the same name), and that case is reported as `error`
   * ("<name> crashed during this case; restarted for the next case"). The session's `target` then
   * follows the new server. Off by default.
   */
  restartOnCrash?: string;
}

/**
 * Opens a session on a server the run starts itself (the suites' embedded defaults): starts it,
 * opens the session with its DSN, and returns the session with `dsn` set and a `close()` that
 * closes the session and then stops the server. A failed open stops the server too.
 */
export async function openOnOwnedServer<S extends { close(): Promise<void> }>(
  start: () => Promise<OwnedServer>,
  open: (dsn: string, server: OwnedServer) => Promise<S>,
  o: OwnedServerOptions = {},
): Promise<S & { dsn: string; owned: OwnedServer }> {
  let server = await start();
  let session: S;
  try {
    session = await open(server.dsn, server);
  } catch (e) {
    await server.stop();
    throw e;
  }
  let closed: Promise<void> | undefined;
  const what = o.restartOnCrash;
  const restart = what
    ? {
        // Cases read `ctx.target` each time: a proxy that follows the current session's target.
        ...('target' in session && typeof session.target === 'object' && session.target !== null
          ? { target: followTarget(() => (session as unknown as { target: object }).target) }
          : {}),
        async afterCase(observed: { status: string }): Promise<{ status: 'error'; message: string } | undefined> {
          let dead = !server.alive();
          // The case sees the lost connection a moment before the exit is reported.
          if (!dead && observed.status !== 'pass' && server.waitForExit) dead = await server.waitForExit(500);
          if (!dead) return undefined;
          await server.stop().catch(() => undefined);
          try {
            server = await start();
            session = await open(server.dsn, server);
            return { status: 'error', message: `${what} crashed during this case; restarted for the next case` };
          } catch (e) {
            return { status: 'error', message: `${what} crashed during this case; restarting it failed: ${e instanceof Error ? e.message : String(e)}` };
          }
        },
      }
    : {};
  // The liveness probe asks whichever session is current (a restart replaces it); the runner calls
  // afterCase first, so a crash this restart handles is not also reported as the endpoint down.
  const current = session as { probe?: (signal: AbortSignal) => Promise<void> };
  const probe = typeof current.probe === 'function' ? { probe: (signal: AbortSignal) => (session as typeof current).probe!(signal) } : {};
  return {
    ...session,
    ...restart,
    ...probe,
    dsn: server.dsn,
    owned: server,
    close() {
      closed ??= (async () => {
        try {
          if (server.alive()) {
            const closing = session.close();
            if (o.closeWithinMs === undefined) await closing;
            else await within(closing.catch(() => undefined), o.closeWithinMs);
          }
        } finally {
          await server.stop();
        }
      })();
      return closed;
    },
  };
}

/** A stand-in for the current target: property reads go to whatever `current()` returns now. */
function followTarget(current: () => object): object {
  return new Proxy(
    {},
    {
      get: (_, key) => {
        const t = current();
        const v = Reflect.get(t, key, t) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
      has: (_, key) => Reflect.has(current(), key),
      ownKeys: () => Reflect.ownKeys(current()),
      getOwnPropertyDescriptor: (_, key) => {
        const d = Reflect.getOwnPropertyDescriptor(current(), key);
        return d ? { ...d, configurable: true } : undefined;
      },
    },
  );
}
