import { webcrypto } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../store/private-files.ts';

x509.cryptoProvider.set(webcrypto as Crypto);

/** ECDSA P-256 with SHA-256: what every TLS stack on a venue's devices and browsers accepts. */
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;
/** The venue CA lasts 20 years (it is the trust anchor installed on every device); what it issues, 2 years. */
const CA_DAYS = 20 * 365;
const LEAF_DAYS = 2 * 365;
/** A server certificate this close to its end is issued anew at start. */
const RENEW_DAYS = 30;

/** A certificate and its private key, both PEM, as node:tls takes them. */
export interface CertifiedKey {
  cert: string;
  key: string;
}

/** The venue's own certificate authority: it issues the edge's server certificate and the devices' client ones. */
export interface VenueCa extends CertifiedKey {
  venue: string;
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
}

/** Files under `<keysDir>/tls/`. */
export const tlsFiles = (keysDir: string) => ({
  dir: join(keysDir, 'tls'),
  caCert: join(keysDir, 'tls', 'venue-ca.crt'),
  caKey: join(keysDir, 'tls', 'venue-ca.key'),
  serverCert: join(keysDir, 'tls', 'server.crt'),
  serverKey: join(keysDir, 'tls', 'server.key'),
});

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privatePem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

const validity = (days: number, now: number) => ({
  notBefore: new Date(now - DAY),
  notAfter: new Date(now + days * DAY),
});

/** The venue CA from the keys directory, created (key owner-only) on first start. */
export async function loadOrCreateVenueCa(keysDir: string, venue: string, now = Date.now()): Promise<VenueCa> {
  const files = tlsFiles(keysDir);
  ensurePrivateDir(files.dir);
  if (!existsSync(files.caKey)) {
    const keys = await newKeys();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      name: `CN=HallEdge venue CA ${venue}, O=HallEdge`,
      keys,
      signingAlgorithm: ALGORITHM,
      ...validity(CA_DAYS, now),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    writeFileSync(files.caKey, await privatePem(keys.privateKey), { mode: PRIVATE_FILE_MODE });
    writeFileSync(files.caCert, certificate.toString('pem'));
  }
  const key = readFileSync(files.caKey, 'utf8');
  const cert = readFileSync(files.caCert, 'utf8');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(key), ALGORITHM, false, [
    'sign',
  ]);
  return { venue, cert, key, certificate: new x509.X509Certificate(cert), privateKey };
}

/** Issues a certificate for a server (its host names and addresses) or a device (its id, for client auth). */
async function issue(
  ca: VenueCa,
  subject: string,
  usage: 'server' | 'client',
  names: string[],
  now: number,
): Promise<CertifiedKey> {
  const keys = await newKeys();
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${subject}, O=HallEdge ${ca.venue}`,
    issuer: ca.certificate.subject,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: ALGORITHM,
    ...validity(LEAF_DAYS, now),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name): x509.JsonGeneralName => ({ type: isIP(name) ? 'ip' : 'dns', value: name })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
  return { cert: `${certificate.toString('pem')}\n${ca.cert}`, key: await privatePem(keys.privateKey) };
}

/** The host names and addresses a server certificate names, sorted, for comparing with what is wanted. */
function namesOf(pem: string): string[] {
  const san = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  return (san?.names.toJSON() ?? []).map((n) => n.value).sort();
}

/**
 * The edge's server certificate for `hosts` (HTTPS, MQTTS, WSS), issued by the venue CA. Issued anew when the
 * host names changed, when it ends within 30 days, or when the CA is not the one that issued it.
 */
export async function loadOrIssueServerCert(
  keysDir: string,
  ca: VenueCa,
  hosts: string[],
  now = Date.now(),
): Promise<CertifiedKey> {
  const files = tlsFiles(keysDir);
  const wanted = [...new Set(hosts)].sort();
  if (existsSync(files.serverCert) && existsSync(files.serverKey)) {
    const cert = readFileSync(files.serverCert, 'utf8');
    const current = new x509.X509Certificate(cert);
    const fresh = current.notAfter.getTime() - now > RENEW_DAYS * DAY;
    const ours = await current.verify({ publicKey: ca.certificate.publicKey, signatureOnly: true });
    if (fresh && ours && namesOf(cert).join() === wanted.join())
      return { cert, key: readFileSync(files.serverKey, 'utf8') };
  }
  const issued = await issue(ca, wanted[0] ?? 'halledge', 'server', wanted, now);
  writeFileSync(files.serverKey, issued.key, { mode: PRIVATE_FILE_MODE });
  writeFileSync(files.serverCert, issued.cert);
  return issued;
}

/** A device's client certificate: its id as the subject's CN and the SAN, for MQTTS without a password. */
export function issueDeviceCert(ca: VenueCa, deviceId: string, now = Date.now()): Promise<CertifiedKey> {
  return issue(ca, deviceId, 'client', [deviceId], now);
}

/** The TLS material the edge serves with: its certificate and key, and the CA that device certificates chain to. */
export interface EdgeTls extends CertifiedKey {
  ca: string;
}
