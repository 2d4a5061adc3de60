/**
 * The MySQL load driver: mysql2 (the SQL layer's connection options: TLS per ssl-mode, the same
 * login), each statement prepared once per connection (COM_STMT_PREPARE) and executed with the
 * binary protocol. mysql2 runs one command at a time per connection, so there is no pipelining:
 * `flush` is a no-op and a connection's operations queue in the driver (the open loop's clock
 * still measures each from its intended start).
 */
import { mysqlDirectOptions, parseMysqlDsn, loadMysql2 } from '@helios-conformance/sql/mysql';
import type { LoadCallbacks, LoadConnection, LoadDriver, LoadStatement } from './driver.js';

/** The subset of mysql2's callback connection and prepared statement the hot path uses. */
interface RawConnection {
  prepare(sql: string, cb: (err: Error | null, stmt: RawStatement) => void): void;
  on(event: 'error' | 'end', cb: (e?: unknown) => void): void;
  end(cb?: () => void): void;
  destroy(): void;
}
interface RawStatement {
  execute(params: unknown[], cb: (err: (Error & { code?: string; errno?: number; fatal?: boolean }) | null) => void): void;
}

/** `$1`, `$2`… (the statements' PostgreSQL-style placeholders) as `?`. */
export function mysqlPlaceholders(sql: string): string {
  return sql.replace(/\$\d+/g, '?');
}

class MysqlLoadConnection implements LoadConnection {
  private n = 0;
  open = true;

  constructor(
    private readonly conn: RawConnection,
    private readonly statements: readonly RawStatement[],
    private readonly cb: LoadCallbacks,
    private readonly errors: Map<string, string>,
  ) {
    // A fatal error fails every queued command through its own callback; this only marks the connection gone.
    conn.on('error', () => void (this.open = false));
    conn.on('end', () => void (this.open = false));
  }

  get inFlight(): number {
    return this.n;
  }

  send(index: number, params: readonly (number | string)[]): void {
    const st = this.statements[index];
    this.n++;
    if (!st || !this.open) {
      // Answered after the caller has recorded the send, as a real answer would be.
      queueMicrotask(() => {
        this.n--;
        this.cb.onDone('connection-lost');
        this.cb.afterRead();
      });
      return;
    }
    st.execute(params.slice(), (err) => {
      this.n--;
      let outcome: string | undefined;
      if (err) {
        if (err.fatal) {
          this.open = false;
          outcome = 'connection-lost';
        } else {
          outcome = err.code ?? (err.errno !== undefined ? `errno ${err.errno}` : 'error');
          if (!this.errors.has(outcome)) this.errors.set(outcome, err.message);
        }
      }
      this.cb.onDone(outcome);
      this.cb.afterRead();
    });
  }

  flush(): void {
    // mysql2 writes each command when its turn comes: nothing is held back here.
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.conn.end();
    } catch {
      // already gone
    }
    setTimeout(() => this.conn.destroy(), 200).unref();
  }
}

/** Options of {@link mysqlLoadDriver}. */
export interface MysqlLoadOptions {
  /** The database the statements' tables live in (the run's namespace). */
  database?: string;
  /** Budget for connecting and preparing each connection (default 10 000 ms). */
  timeoutMs?: number;
}

/** The MySQL load driver for a `mysql://` DSN. */
export async function mysqlLoadDriver(dsn: string, o: MysqlLoadOptions = {}): Promise<LoadDriver> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const options = { ...(await mysqlDirectOptions(parseMysqlDsn(dsn), timeoutMs)), ...(o.database ? { database: o.database } : {}) };
  const errorMessages = new Map<string, string>();
  return {
    family: 'mysql',
    errorMessages,
    async connect(statements: readonly LoadStatement[], callbacks: LoadCallbacks, signal?: AbortSignal): Promise<LoadConnection> {
      const mysql = await loadMysql2();
      signal?.throwIfAborted();
      const promised = await mysql.createConnection(options);
      const raw = (promised as unknown as { connection: RawConnection }).connection;
      const stop = (): void => raw.destroy();
      signal?.addEventListener('abort', stop, { once: true });
      const timer = setTimeout(stop, timeoutMs);
      try {
        const prepared: RawStatement[] = [];
        for (const s of statements) {
          prepared.push(await new Promise<RawStatement>((resolve, reject) => raw.prepare(mysqlPlaceholders(s.sql), (err, st) => (err ? reject(err) : resolve(st)))));
        }
        return new MysqlLoadConnection(raw, prepared, callbacks, errorMessages);
      } catch (e) {
        raw.destroy();
        throw signal?.aborted ? (signal.reason as Error) : e;
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', stop);
      }
    },
  };
}
