import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { CannotRunError } from '@helios-conformance/core';

/** What the server answered to an SSLRequest. */
export interface ProbeResult {
  /** The server answered `S`: it will start a TLS handshake. */
  tls: boolean;
}

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]); // length 8, code 80877103

/**
 * Opens a TCP connection and sends the PostgreSQL SSLRequest, the first thing every
 * PostgreSQL client may send. A PostgreSQL server answers exactly one byte (`S` or `N`),
 * or an ErrorResponse (`E`) from servers that predate SSL; anything else (a MySQL greeting,
 * an HTTP banner, a closed socket) means the port does not speak the protocol. Errors are
 * {@link CannotRunError}s with one line that says what to fix.
 */
export function probeServer(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise<ProbeResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CannotRunError(`gave up probing ${where}: ${describeReason(signal.reason)}`));
      return;
    }
    const socket: Socket = connect({ host, port });
    let received = Buffer.alloc(0);
    let settled = false;
    let settleTimer: NodeJS.Timeout | undefined;
    let upgraded: TLSSocket | undefined;
    const finish = (err: Error | null, result?: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(settleTimer);
      signal?.removeEventListener('abort', onAbort);
      upgraded?.destroy();
      socket.destroy();
      if (err) reject(err);
      else resolve(result as ProbeResult);
    };
    const notPostgres = (what: string): CannotRunError =>
      new CannotRunError(`the server at ${where} does not speak the PostgreSQL protocol (${what}); check the host and port in --dsn`);
    const judge = (): void => {
      const first = received[0];
      if (first === 0x53 && received.length === 1) closeTlsPolitely();
      else if (first === 0x4e && received.length === 1) finish(null, { tls: false });
      else if (first === 0x45 && received.length >= 5 && received.readInt32BE(1) + 1 === received.length && received.length < 4096) {
        finish(null, { tls: false }); // ErrorResponse to SSLRequest: a pre-7.2-style server without SSL support
      } else {
        finish(notPostgres(`it answered ${received.length} bytes starting ${received.subarray(0, 8).toString('hex')} to an SSLRequest`));
      }
    };
    // Completing the handshake and closing it cleanly keeps the server from logging
    // "could not accept SSL connection: EOF detected" for every run. Its outcome does not matter.
    const closeTlsPolitely = (): void => {
      if (upgraded) return;
      const done = (): void => finish(null, { tls: true });
      upgraded = tlsConnect({ socket, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) });
      upgraded.once('secureConnect', () => upgraded?.end());
      upgraded.once('close', done);
      upgraded.once('error', done);
      setTimeout(done, 1000).unref();
    };
    const onAbort = (): void => finish(new CannotRunError(`gave up probing ${where}: ${describeReason(signal?.reason)}`));
    const timer = setTimeout(
      () => finish(received.length ? notPostgres('it sent an incomplete answer to an SSLRequest') : new CannotRunError(`no answer from ${where} within ${timeoutMs} ms; is it a PostgreSQL server and reachable?`)),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(SSL_REQUEST));
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) return;
      received = Buffer.concat([received, chunk]);
      // A PostgreSQL server then waits for us; give a talkative non-PostgreSQL server 50 ms to show itself.
      clearTimeout(settleTimer);
      settleTimer = setTimeout(judge, 50);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!upgraded) finish(connectError(e, host, port));
    });
    socket.on('close', () => {
      if (upgraded) return;
      if (received.length) judge();
      else finish(notPostgres('it closed the connection without answering an SSLRequest'));
    });
  });
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}

/** Turns a socket-level error into one line that says what to fix. */
export function connectError(e: NodeJS.ErrnoException, host: string, port: number): CannotRunError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return new CannotRunError(`nothing is listening at ${where} (connection refused); is the server running and the port right?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CannotRunError(`cannot resolve host "${host}"; check the host in --dsn`);
    case 'ETIMEDOUT':
      return new CannotRunError(`connecting to ${where} timed out; is the host reachable?`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new CannotRunError(`${where} is unreachable (${e.code}); check the host and your network`);
    case 'ECONNRESET':
      return new CannotRunError(`the server at ${where} reset the connection during the first exchange; it may not speak the PostgreSQL protocol`);
    default:
      return new CannotRunError(`cannot connect to ${where}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim());
  }
}
