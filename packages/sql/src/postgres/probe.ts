import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { CannotRunError } from '@helios-conformance/core';
import { hostPort } from '../dsn.js';
import { probeSocket, type ProbeControl } from '../socket.js';

/** What the server answered to an SSLRequest. */
export interface ProbeResult {
  /** The server answered `S`: it will start a TLS handshake. */
  tls: boolean;
}

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]); // length 8, code 80877103

/** The start of an ErrorResponse of a plausible size (under 4 KB) whose last bytes have not arrived yet. */
function errorResponseIncomplete(received: Buffer): boolean {
  if (received[0] !== 0x45) return false;
  if (received.length < 5) return true;
  const total = received.readInt32BE(1) + 1;
  return total < 4096 && received.length < total;
}

/**
 * Opens a TCP connection and sends the PostgreSQL SSLRequest, the first thing every
 * PostgreSQL client may send. A PostgreSQL server answers exactly one byte (`S` or `N`),
 * or an ErrorResponse (`E`) from servers that predate SSL; anything else (a MySQL greeting,
 * an HTTP banner, a closed socket) means the port does not speak the protocol. Errors are
 * {@link CannotRunError}s with one line that says what to fix.
 */
export function probeServer(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const where = hostPort(host, port);
  const notPostgres = (what: string): CannotRunError =>
    new CannotRunError(`the server at ${where} does not speak the PostgreSQL protocol (${what}); check the host and port in --dsn`);
  let settleTimer: NodeJS.Timeout | undefined;
  const judge = (c: ProbeControl<ProbeResult>): void => {
    const received = c.received;
    const first = received[0];
    if (first === 0x53 && received.length === 1) {
      // Completing the handshake and closing it cleanly keeps the server from logging
      // "could not accept SSL connection: EOF detected" for every run. Its outcome does not matter.
      c.hold();
      const upgraded = tlsConnect({ socket: c.socket, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) });
      const done = (): void => {
        upgraded.destroy();
        c.resolve({ tls: true });
      };
      upgraded.once('secureConnect', () => upgraded.end());
      upgraded.once('close', done);
      upgraded.once('error', done);
      setTimeout(done, 1000).unref();
    } else if (first === 0x4e && received.length === 1) c.resolve({ tls: false });
    else if (first === 0x45 && received.length >= 5 && received.readInt32BE(1) + 1 === received.length && received.length < 4096) {
      c.resolve({ tls: false }); // ErrorResponse to SSLRequest: a pre-7.2-style server without SSL support
    } else {
      c.reject(notPostgres(`it answered ${received.length} bytes starting ${received.subarray(0, 8).toString('hex')} to an SSLRequest`));
    }
  };
  return probeSocket<ProbeResult>({
    host,
    port,
    timeoutMs,
    signal,
    protocol: 'PostgreSQL',
    onConnect: (c) => c.socket.write(SSL_REQUEST),
    onData(c) {
      // A PostgreSQL server then waits for us; give a talkative non-PostgreSQL server 50 ms to show itself.
      clearTimeout(settleTimer);
      // An ErrorResponse still arriving (a hop may deliver it in pieces, more than 50 ms apart) is
      // awaited whole; the probe's deadline bounds the wait.
      if (errorResponseIncomplete(c.received)) return;
      settleTimer = setTimeout(() => judge(c), 50);
    },
    onClose(c) {
      clearTimeout(settleTimer);
      if (c.received.length) judge(c);
      else c.reject(notPostgres('it closed the connection without answering an SSLRequest'));
    },
    timeoutError: (c) =>
      c.received.length ? notPostgres('it sent an incomplete answer to an SSLRequest') : new CannotRunError(`no answer from ${where} within ${timeoutMs} ms; is it a PostgreSQL server and reachable?`),
  }).finally(() => clearTimeout(settleTimer));
}
