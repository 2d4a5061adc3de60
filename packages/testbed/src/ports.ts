import net from 'node:net';

/**
 * Returns a TCP port that was free on 127.0.0.1 a moment ago: listens on
 * `127.0.0.1:0`, reads the port the kernel chose, closes. Another process may
 * take it before you bind it; the `start*` functions retry on "address in use".
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close((err) => (err ? reject(err) : port > 0 ? resolve(port) : reject(new Error('could not read a free port'))));
    });
  });
}
