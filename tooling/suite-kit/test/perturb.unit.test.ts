import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPerturbProxy } from '../src/perturb.js';

// A real TCP echo server on loopback stands in for a database: the proxy only moves bytes.
let echo: net.Server;
let port: number;
beforeAll(async () => {
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  port = (echo.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => echo.close(() => r())));

/** Writes `payload` in `writes` pieces and collects the echo until it is complete. */
async function roundTrip(p: { port: number }, payload: Buffer, writes: number): Promise<Buffer> {
  const s = net.connect(p.port, '127.0.0.1');
  const got: Buffer[] = [];
  let n = 0;
  const done = new Promise<void>((resolve, reject) => {
    s.on('data', (b) => {
      got.push(b);
      n += b.length;
      if (n >= payload.length) resolve();
    });
    s.on('error', reject);
  });
  const step = Math.ceil(payload.length / writes);
  for (let i = 0; i < payload.length; i += step) {
    s.write(payload.subarray(i, i + step));
    await new Promise((r) => setTimeout(r, 1));
  }
  await done;
  s.destroy();
  return Buffer.concat(got);
}

describe('startPerturbProxy', () => {
  it('delivers every byte in order while splitting, delaying and merging chunks', async () => {
    const proxy = await startPerturbProxy({ upstream: { host: '127.0.0.1', port }, seed: 7, maxDelayMs: 15 });
    try {
      const payload = randomBytes(20_000);
      const back = await roundTrip(proxy, payload, 200);
      expect(back.equals(payload)).toBe(true);
      const st = proxy.stats();
      expect(st.bytes.up).toBe(payload.length);
      expect(st.bytes.down).toBe(payload.length);
      // It did perturb: it cut chunks into more pieces, and wrote some pieces together. (Comparing
      // writes with chunks was a coin toss: splits and merges can cancel out.)
      expect(st.pieces.up).toBeGreaterThan(st.chunks.up);
      expect(st.writes.up).toBeLessThan(st.pieces.up);
    } finally {
      await proxy.close();
    }
  });

  it('reorders answers across connections: each connection keeps its own order, not the others', async () => {
    const proxy = await startPerturbProxy({ upstream: { host: '127.0.0.1', port }, seed: 3, maxDelayMs: 30 });
    try {
      const firsts: string[] = [];
      for (let round = 0; round < 12; round++) {
        const arrivals: string[] = [];
        await Promise.all(
          ['a', 'b'].map(async (who) => {
            const back = await roundTrip(proxy, Buffer.from(`${who}`.repeat(10)), 1);
            expect(back.toString()).toBe(who.repeat(10));
            arrivals.push(who);
          }),
        );
        firsts.push(arrivals[0]!);
      }
      expect(new Set(firsts)).toEqual(new Set(['a', 'b']));
    } finally {
      await proxy.close();
    }
  });

  it('hold() stops one direction while the other flows; release() sends the queue in order', async () => {
    const proxy = await startPerturbProxy({ upstream: { host: '127.0.0.1', port }, seed: 1, maxDelayMs: 0, split: false });
    try {
      proxy.hold('down');
      const pending = roundTrip(proxy, Buffer.from('held bytes'), 1);
      await new Promise((r) => setTimeout(r, 150));
      expect(proxy.stats().bytes.up).toBe(10);
      expect(proxy.stats().writes.down).toBe(0);
      proxy.release('down');
      expect((await pending).toString()).toBe('held bytes');
    } finally {
      await proxy.close();
    }
  });

  it('oneByte: the client reads every byte on its own, in both directions; by default reads merge bytes', async () => {
    /** Echoes `payload` (written at once) and counts the reads the client makes. */
    const reads = async (p: { port: number }, payload: Buffer): Promise<{ back: Buffer; reads: number[] }> => {
      const s = net.connect(p.port, '127.0.0.1');
      const got: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        let n = 0;
        s.on('data', (b) => {
          got.push(b);
          n += b.length;
          if (n >= payload.length) resolve();
        });
        s.on('error', reject);
        s.write(payload);
      });
      s.destroy();
      return { back: Buffer.concat(got), reads: got.map((b) => b.length) };
    };
    const payload = randomBytes(300);
    const one = await startPerturbProxy({ upstream: { host: '127.0.0.1', port }, seed: 5, maxDelayMs: 2, oneByte: true });
    const plain = await startPerturbProxy({ upstream: { host: '127.0.0.1', port }, seed: 5, maxDelayMs: 2 });
    try {
      const r = await reads(one, payload);
      expect(r.back.equals(payload)).toBe(true);
      expect(new Set(r.reads)).toEqual(new Set([1]));
      expect(one.stats().writes).toEqual({ up: 300, down: 300 });
      // The same payload through the default mode arrives in fewer, longer reads.
      const d = await reads(plain, payload);
      expect(d.back.equals(payload)).toBe(true);
      expect(Math.max(...d.reads)).toBeGreaterThan(1);
    } finally {
      await one.close();
      await plain.close();
    }
  });
});

describe('startPerturbProxy({ oneByte: true })', () => {
  it('hands a reader every byte in a read of its own, in order', async () => {
    const proxy = await startPerturbProxy({ upstream: { host: '127.0.0.1', port }, seed: 5, maxDelayMs: 1, oneByte: true });
    try {
      const payload = randomBytes(600);
      const s = net.connect(proxy.port, '127.0.0.1');
      const reads: Buffer[] = [];
      let n = 0;
      await new Promise<void>((resolve, reject) => {
        s.on('data', (b: Buffer) => {
          reads.push(b);
          n += b.length;
          if (n >= payload.length) resolve();
        });
        s.on('error', reject);
        s.write(payload);
      });
      s.destroy();
      expect(Buffer.concat(reads).equals(payload)).toBe(true);
      // The proxy's part is exact: one write per byte, each after the previous one left. What the reader
      // gets is the kernel's: on a loaded machine loopback delivery can be deferred and join two bytes
      // (1 read in 600 did at load 15), so nearly every read, not every one, is a single byte.
      expect(proxy.stats().writes.down).toBe(payload.length);
      expect(reads.filter((b) => b.length === 1).length).toBeGreaterThanOrEqual(payload.length * 0.95);
    } finally {
      await proxy.close();
    }
  });

  it('without it, the same exchange reaches the reader in fewer, larger reads (what the check above tells apart)', async () => {
    const proxy = await startPerturbProxy({ upstream: { host: '127.0.0.1', port }, seed: 5, maxDelayMs: 1 });
    try {
      const payload = randomBytes(600);
      const s = net.connect(proxy.port, '127.0.0.1');
      const reads: number[] = [];
      let n = 0;
      await new Promise<void>((resolve, reject) => {
        s.on('data', (b: Buffer) => {
          reads.push(b.length);
          n += b.length;
          if (n >= payload.length) resolve();
        });
        s.on('error', reject);
        s.write(payload);
      });
      s.destroy();
      expect(reads.some((l) => l > 1)).toBe(true);
      expect(reads.filter((l) => l === 1).length).toBeLessThan(payload.length * 0.95);
    } finally {
      await proxy.close();
    }
  });
});
