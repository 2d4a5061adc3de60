import { within } from './time.js';

/** A server the run started itself (a testbed `Endpoint` fits): its DSN, whether it still runs, how to stop it. */
export interface OwnedServer {
  readonly dsn: string;
  alive(): boolean;
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
  const server = await start();
  let session: S;
  try {
    session = await open(server.dsn, server);
  } catch (e) {
    await server.stop();
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    ...session,
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
