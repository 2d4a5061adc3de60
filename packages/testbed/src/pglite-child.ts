/**
 * Child-process entry that serves an in-memory PGlite over the PostgreSQL wire
 * protocol (via @electric-sql/pglite-socket). Spawned by `startPglite()` as
 * `node dist/pglite-child.js [--extensions vector] [--port N] [--max-connections N] [--exit-on-stdin-end]`.
 *
 * Protocol: while starting, JSON lines `{"progress":"<phase>"}` on stdout (so the parent can tell
 * a slow start from a stuck one); once listening, exactly one JSON line
 * `{"port":N,"version":"PostgreSQL 17.x ...","pid":N}`. Diagnostics go to stderr.
 *
 * Test knob (not for real use): env HC_TESTBED_PGLITE_READY_DELAY_MS=N holds the ready line back
 * by N ms, reporting progress meanwhile — a stand-in for a machine too loaded to start PGlite fast.
 * Exits 0 on SIGTERM/SIGINT (and when stdin closes, with --exit-on-stdin-end,
 * so a parent that died without cleanup does not leave it behind).
 */
import { PGlite, type Extensions } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { parseArgs } from 'node:util';

const KNOWN_EXTENSIONS = ['vector'] as const;

function progress(phase: string): void {
  process.stdout.write(JSON.stringify({ progress: phase }) + '\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      extensions: { type: 'string', default: '' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'max-connections': { type: 'string', default: '1' },
      'exit-on-stdin-end': { type: 'boolean', default: false },
    },
    strict: true,
  });

  progress('loading PGlite');
  const wanted = (values.extensions ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const extensions: Extensions = {};
  for (const name of wanted) {
    if (!(KNOWN_EXTENSIONS as readonly string[]).includes(name)) {
      process.stderr.write(`pglite-child: unknown extension ${JSON.stringify(name)} (known: ${KNOWN_EXTENSIONS.join(', ')})\n`);
      process.exit(2);
    }
    if (name === 'vector') {
      const { vector } = await import('@electric-sql/pglite-pgvector');
      extensions.vector = vector;
    }
  }

  progress(wanted.length ? `starting PGlite with ${wanted.join(', ')} (compiling WebAssembly, initialising the database)` : 'starting PGlite (compiling WebAssembly, initialising the database)');
  const db = await PGlite.create({ extensions });
  progress('PGlite started; opening the socket');
  const version = (await db.query<{ version: string }>('SELECT version() AS version')).rows[0]?.version ?? '';
  const server = new PGLiteSocketServer({
    db,
    host: values.host,
    port: Number(values.port),
    maxConnections: Math.max(1, Number(values['max-connections']) || 1),
  });
  server.addEventListener('error', (event) => {
    process.stderr.write(`pglite-child: socket server error: ${String((event as CustomEvent).detail)}\n`);
  });
  server.addEventListener('connection', (event) => {
    const d = (event as CustomEvent<{ clientAddress: string; clientPort: number }>).detail;
    process.stderr.write(`pglite-child: connection from ${d.clientAddress}:${d.clientPort}\n`);
  });
  const delayMs = Number(process.env.HC_TESTBED_PGLITE_READY_DELAY_MS ?? 0);
  if (delayMs > 0) {
    progress(`holding the ready line back ${delayMs} ms (test knob HC_TESTBED_PGLITE_READY_DELAY_MS)`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(':') + 1));

  let stopping = false;
  const shutdown = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`pglite-child: shutting down (${reason})\n`);
    const hard = setTimeout(() => process.exit(0), 3000);
    hard.unref();
    void (async () => {
      try {
        await server.stop();
        await db.close();
      } catch (err) {
        process.stderr.write(`pglite-child: error during shutdown: ${String(err)}\n`);
      }
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (values['exit-on-stdin-end']) {
    process.stdin.on('end', () => shutdown('stdin closed'));
    process.stdin.on('error', () => shutdown('stdin error'));
    process.stdin.resume();
  }

  process.stdout.write(JSON.stringify({ port, version, pid: process.pid }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`pglite-child: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
