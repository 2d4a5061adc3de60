// The server certificates the testbed generates: by default valid for localhost and 127.0.0.1, with
// chosen subject alternative names valid for exactly those (their CN names no host, since Node
// falls back to the CN when a certificate has no DNS name). Checked with Node's own
// tls.checkServerIdentity, the check every driver ends in.
import net from 'node:net';
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { generateTlsMaterial, parseSubjectAltNames } from '../src/_internal/certs.js';
import { findFreePort, startMariadb, startPostgres } from '../src/index.js';

/** The hosts among `hosts` that the certificate is valid for. */
function validFor(pem: string, hosts: string[]): string[] {
  const cert = new X509Certificate(pem).toLegacyObject();
  return hosts.filter((h) => checkServerIdentity(h, cert) === undefined);
}

const HOSTS = ['localhost', '127.0.0.1', '::1', 'db.example'];

describe('generated server certificates', () => {
  it('by default: valid for localhost and 127.0.0.1, CN=localhost', async () => {
    const m = await generateTlsMaterial();
    expect(validFor(m.serverCertPem, HOSTS)).toEqual(['localhost', '127.0.0.1']);
    expect(new X509Certificate(m.serverCertPem).subject).toBe('CN=localhost');
    expect(new X509Certificate(m.serverCertPem).checkIssued(new X509Certificate(m.caCertPem))).toBe(true);
  });

  it.each([
    [['IP:127.0.0.1'], ['127.0.0.1']],
    [['IP:::1'], ['::1']],
    [['IP:[::1]'], ['::1']],
    [['DNS:localhost'], ['localhost']],
    [['DNS:db.example', 'IP:::1'], ['::1', 'db.example']],
  ])('with SANs %j: valid for %j only', async (sans, valid) => {
    const m = await generateTlsMaterial('ecdsa', 'hc test', sans);
    expect(validFor(m.serverCertPem, HOSTS)).toEqual(valid);
    expect(new X509Certificate(m.serverCertPem).subject).toBe('CN=hc test server');
  });

  it('refuses a subject alternative name it cannot encode, before starting anything', async () => {
    for (const bad of [[], ['localhost'], ['IP:localhost'], ['IP:300.1.1.1'], ['DNS:'], ['DNS:a b'], ['URI:x']]) {
      expect(() => parseSubjectAltNames(bad), JSON.stringify(bad)).toThrow(/subject alternative name|at least one/);
    }
    await expect(startPostgres({ tlsSubjectAltNames: ['IP:nope'] })).rejects.toThrow(/invalid subject alternative name "IP:nope"/);
    await expect(startPostgres({ tls: false, tlsSubjectAltNames: ['IP:127.0.0.1'] })).rejects.toThrow(/needs tls/);
    await expect(startMariadb({ tls: false, tlsSubjectAltNames: ['IP:127.0.0.1'] })).rejects.toThrow(/needs tls/);
  });
});

describe('findFreePort({ ipv6: true })', () => {
  it('returns a port that can be bound on both 127.0.0.1 and ::1', async () => {
    const port = await findFreePort({ ipv6: true });
    for (const host of ['127.0.0.1', '::1']) {
      await new Promise<void>((resolve, reject) => {
        const s = net.createServer().once('error', reject);
        s.listen(port, host, () => s.close(() => resolve()));
      });
    }
  });
});
