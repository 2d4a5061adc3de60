import net from 'node:net';

/**
 * Returns a TCP port that was free on 127.0.0.1 a moment ago: listens on
 * `127.0.0.1:0`, reads the port the kernel chose, closes. Another process may
 * take it before you bind it; the `start*` functions retry on "address in use".
 * With `ipv6`, the port was also free on `::1` (for servers that listen on both).
 */
export async function findFreePort(o: { ipv6?: boolean } = {}): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await listenAndClose('127.0.0.1', 0);
    // PostgreSQL only warns when one of its listen_addresses cannot be bound, and serves on the rest.
    if (!o.ipv6 || (await listenAndClose('::1', port).then(() => true, () => false))) return port;
    if (attempt >= 20) throw new Error('found no port free on both 127.0.0.1 and ::1');
  }
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
