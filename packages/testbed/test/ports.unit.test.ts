// Free ports come from below the kernel's ephemeral range: a port found free inside it can be taken
// by any outgoing connection on the machine before the server binds it.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { belowEphemeral, findFreePort } from '../src/ports.js';

describe('findFreePort', () => {
  it('reads the room below the ephemeral range, or none when it is too small', () => {
    expect(belowEphemeral('32768\t60999\n')).toEqual({ low: 16384, high: 32767 });
    expect(belowEphemeral('10000 65000')).toEqual({ low: 1025, high: 9999 });
    expect(belowEphemeral('1500 65000')).toBeNull();
    expect(belowEphemeral('')).toEqual({ low: 32768, high: 49151 });
  });

  it('hands out distinct ports below the ephemeral range, each one bindable', async () => {
    const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    const low = Number(range.trim().split(/\s+/)[0]);
    const room = belowEphemeral(range)!;
    expect(room.high).toBe(low - 1);
    const ports: number[] = [];
    for (let i = 0; i < 60; i++) ports.push(await findFreePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(room.low);
      expect(p).toBeLessThanOrEqual(room.high);
    }
    // Each is really free: it can be bound now.
    await new Promise<void>((resolve, reject) => {
      const s = net.createServer().once('error', reject);
      s.listen(ports[0], '127.0.0.1', () => s.close(() => resolve()));
    });
  });
});
