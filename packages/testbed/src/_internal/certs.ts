import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { OPTIONAL_PEERS, requirePeers } from './optional.js';

/** PEM material for a throwaway TLS setup: a CA and one server certificate it signed. */
export interface TlsMaterial {
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

/** Key algorithm for generated certificates. */
export type KeyAlgorithm = 'ecdsa' | 'rsa';

type WebCrypto = typeof webcrypto;
const crypto: WebCrypto = webcrypto;

function algorithms(kind: KeyAlgorithm): {
  gen: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams;
  sign: webcrypto.Algorithm | webcrypto.EcdsaParams;
} {
  if (kind === 'rsa') {
    const gen: webcrypto.RsaHashedKeyGenParams = {
      name: 'RSASSA-PKCS1-v1_5',
      hash: 'SHA-256',
      publicExponent: new Uint8Array([1, 0, 1]),
      modulusLength: 2048,
    };
    return { gen, sign: { name: 'RSASSA-PKCS1-v1_5' } };
  }
  const gen: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
  const sign: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
  return { gen, sign };
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function serial(): string {
  // positive, 16 bytes
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

/** The server certificate's subject alternative names when none are chosen: either loopback name verifies. */
export const DEFAULT_SUBJECT_ALT_NAMES: readonly string[] = Object.freeze(['DNS:localhost', 'IP:127.0.0.1']);

/**
 * Takes `DNS:name` / `IP:address` entries apart (an IPv6 address may be bracketed: `IP:[::1]`).
 * Throws on anything else, so a typo cannot silently produce a certificate valid for nothing.
 */
export function parseSubjectAltNames(names: readonly string[]): Array<{ type: 'dns' | 'ip'; value: string }> {
  if (names.length === 0) throw new Error('tlsSubjectAltNames must name at least one DNS:name or IP:address');
  return names.map((n) => {
    const m = /^(DNS|IP):(.+)$/i.exec(n);
    const value = m?.[2]?.replace(/^\[(.*)\]$/, '$1') ?? '';
    if (m?.[1]?.toUpperCase() === 'IP' && isIP(value)) return { type: 'ip' as const, value };
    if (m?.[1]?.toUpperCase() === 'DNS' && /^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(value)) return { type: 'dns' as const, value };
    throw new Error(`invalid subject alternative name ${JSON.stringify(n)}: expected DNS:name or IP:address (e.g. DNS:localhost, IP:127.0.0.1, IP:::1)`);
  });
}

/**
 * Generates a CA certificate and a server certificate signed by it, valid for the given subject
 * alternative names (default {@link DEFAULT_SUBJECT_ALT_NAMES}: DNS:localhost and IP:127.0.0.1, so
 * `sslmode=verify-full` works with either host name).
 */
export async function generateTlsMaterial(
  kind: KeyAlgorithm = 'ecdsa',
  commonName = 'helios-testbed',
  subjectAltNames: readonly string[] = DEFAULT_SUBJECT_ALT_NAMES,
): Promise<TlsMaterial> {
  const sans = parseSubjectAltNames(subjectAltNames);
  // Node's checkServerIdentity (and libpq 15) fall back to the subject CN when a certificate has no
  // DNS name: a CN of "localhost" would make an IP-only certificate valid for localhost after all.
  // Chosen SANs get a CN that is no host name, so the SANs alone decide.
  const subject = subjectAltNames === DEFAULT_SUBJECT_ALT_NAMES ? 'CN=localhost' : `CN=${commonName} server`;
  // @peculiar/x509 2.x needs a Reflect metadata polyfill loaded first (tsyringe);
  // loaded lazily so importing the testbed does not touch globals unless TLS is used.
  requirePeers('TLS for a testbed server', OPTIONAL_PEERS.tls, 'start it without TLS (tls: false, --no-tls)');
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const { gen, sign } = algorithms(kind);
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000);

  const caKeys = (await crypto.subtle.generateKey(gen, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const caName = `CN=${commonName} throwaway CA`;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: caName,
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: sign,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const serverKeys = (await crypto.subtle.generateKey(gen, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serverCert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject,
      issuer: caCert.subject,
      notBefore,
      notAfter,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: sign,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | (kind === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0),
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(sans, false),
        await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const pkcs8 = await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return {
    caCertPem: caCert.toString('pem') + '\n',
    serverCertPem: serverCert.toString('pem') + '\n',
    serverKeyPem: toPem(pkcs8, 'PRIVATE KEY'),
  };
}
