import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Returns a TCP port that was free on 127.0.0.1 a moment ago (and on `::1` too with `ipv6`, for
 * servers that listen on both). Another process may take it before you bind it; the `start*`
 * functions retry on "address in use".
 *
 * The port comes from below the kernel's ephemeral range (`ip_local_port_range`), never from it:
 * the kernel gives every outgoing connection a local port from that range, so a port found free
 * there (what `listen(0)` returns) can be taken by any client connection on the machine before
 * the server binds it — likely when other suites churn thousands of connections beside this one.
 * Ports handed out by this process are not handed out again while a server may still be starting
 * on them. Where the range leaves no room below it, `listen(0)` as before.
 */
export async function findFreePort(o: { ipv6?: boolean } = {}): Promise<number> {
  const room = roomHere();
  for (let attempt = 0; ; attempt++) {
    let port: number;
    if (room && attempt < 200) {
      const wanted = randomInt(room.low, room.high + 1);
      if (recent.has(wanted)) continue;
      const bound = await listenAndClose('127.0.0.1', wanted).catch(() => 0);
      if (!bound) continue;
      port = bound;
    } else {
      port = await listenAndClose('127.0.0.1', 0);
    }
    // PostgreSQL only warns when one of its listen_addresses cannot be bound, and serves on the rest.
    if (!o.ipv6 || (await listenAndClose('::1', port).then(() => true, () => false))) {
      remember(port);
      return port;
    }
    if (attempt >= 220) throw new Error('found no port free on both 127.0.0.1 and ::1');
  }
}

/** Ports this process handed out lately, oldest first (a server may still be starting on them). */
const recent = new Set<number>();
function remember(port: number): void {
  recent.add(port);
  if (recent.size > 512) recent.delete(recent.values().next().value!);
}

/** The room below this machine's ephemeral range, read once. */
let localRoom: { low: number; high: number } | null | undefined;
function roomHere(): { low: number; high: number } | null {
  if (localRoom === undefined) {
    let text = '';
    try {
      text = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    } catch {
      // off Linux: no /proc
    }
    localRoom = belowEphemeral(text);
  }
  return localRoom;
}

/**
 * The ports just below the ephemeral range that `rangeText` (as `ip_local_port_range` reads) gives,
 * at most 16384 of them, above 1024; null if too few.
 */
export function belowEphemeral(rangeText: string): { low: number; high: number } | null {
  const [first] = rangeText.trim().split(/\s+/).map(Number);
  // Off Linux (no /proc) the IANA dynamic range, 49152-65535, is the usual ephemeral range.
  const ephemeralLow = Number.isInteger(first) && first! > 0 ? first! : 49152;
  const high = ephemeralLow - 1;
  const low = Math.max(1025, ephemeralLow - 16384);
  return high - low + 1 >= 1024 ? { low, high } : null;
}

function listenAndClose(host: string, wanted: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: wanted, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close((err) => (err ? reject(err) : port > 0 ? resolve(port) : reject(new Error('could not read a free port'))));
    });
  });
}
