import { connect, type Socket } from 'node:net';
import { CannotRunError } from '@helios-conformance/core';
import { hostPort } from './dsn.js';

/** Turns a socket-level error into one line that says what to fix. `protocol` names what the port should speak. */
export function connectError(e: NodeJS.ErrnoException, host: string, port: number, protocol: string): CannotRunError {
  const where = hostPort(host, port);
  switch (e.code) {
    case 'ECONNREFUSED':
      return new CannotRunError(`nothing is listening at ${where} (connection refused); is the server running and the port right?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CannotRunError(`cannot resolve host "${host}"; fix the host in --dsn`);
    case 'ETIMEDOUT':
      return new CannotRunError(`connecting to ${where} timed out; is the host reachable?`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new CannotRunError(`${where} is unreachable (${e.code}); check the host and your network`);
    case 'ECONNRESET':
      return new CannotRunError(`the server at ${where} reset the connection during the first exchange; it may not speak the ${protocol} protocol`);
    default:
      return new CannotRunError(`cannot connect to ${where}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim());
  }
}

/** What a probe's handlers may do with the connection. */
export interface ProbeControl<T> {
  readonly socket: Socket;
  /** Every byte the server sent so far. */
  readonly received: Buffer;
  /** Ends the probe with a result (the socket is destroyed unless `keepSocket`). */
  resolve(value: T, keepSocket?: boolean): void;
  /** Ends the probe with a {@link CannotRunError}. */
  reject(error: Error): void;
  /** True once the probe has ended. */
  readonly settled: boolean;
  /** The handler takes the socket over (e.g. a TLS handshake on it): later socket events are ignored. */
  hold(): void;
}

/** How a probe talks to the server; every handler is optional but `onData`. */
export interface ProbeSpec<T> {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** What the port should speak, for error lines ("PostgreSQL", "MySQL"). */
  protocol: string;
  onConnect?(c: ProbeControl<T>): void;
  /** Called after every chunk with all bytes so far. */
  onData(c: ProbeControl<T>): void;
  /** The server closed the connection before the probe ended. */
  onClose(c: ProbeControl<T>): void;
  /** The line for a probe that ran out of time. */
  timeoutError(c: ProbeControl<T>): CannotRunError;
}

/**
 * Opens a TCP connection for a first exchange with a server (which protocol does it speak, does
 * it offer TLS), bounded by `timeoutMs` and `signal`. Socket errors and aborts become one-line
 * {@link CannotRunError}s; the socket never outlives the probe unless a handler keeps it.
 */
export function probeSocket<T>(spec: ProbeSpec<T>): Promise<T> {
  const where = hostPort(spec.host, spec.port);
  return new Promise<T>((resolvePromise, rejectPromise) => {
    const reason = (): string => {
      const r = spec.signal?.reason as { message?: unknown } | undefined;
      return typeof r?.message === 'string' ? r.message : String(spec.signal?.reason ?? 'aborted');
    };
    if (spec.signal?.aborted) {
      rejectPromise(new CannotRunError(`gave up probing ${where}: ${reason()}`));
      return;
    }
    const socket = connect({ host: spec.host, port: spec.port });
    socket.setNoDelay(true);
    let received = Buffer.alloc(0);
    let settled = false;
    let held = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const control: ProbeControl<T> = {
      socket,
      get received() {
        return received;
      },
      get settled() {
        return settled;
      },
      resolve(value, keepSocket = false) {
        if (!finish()) return;
        if (!keepSocket) socket.destroy();
        resolvePromise(value);
      },
      reject(error) {
        if (!finish()) return;
        socket.destroy();
        rejectPromise(error);
      },
      hold() {
        held = true;
      },
    };
    const onAbort = (): void => control.reject(new CannotRunError(`gave up probing ${where}: ${reason()}`));
    const timer = setTimeout(() => control.reject(spec.timeoutError(control)), spec.timeoutMs);
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => spec.onConnect?.(control));
    socket.on('data', (chunk: Buffer) => {
      if (settled || held) return;
      received = Buffer.concat([received, chunk]);
      spec.onData(control);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // Once the server has sent something, what it sent is the verdict (e.g. a MySQL greeting
      // followed by a reset of the SSLRequest it did not understand): 'close' follows and judges it.
      if (!settled && !held && received.length === 0) control.reject(connectError(e, spec.host, spec.port, spec.protocol));
    });
    socket.on('close', () => {
      if (!settled && !held) spec.onClose(control);
    });
  });
}
