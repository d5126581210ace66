import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { keyId } from './wire.ts';

export interface VenueKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
  /** Keyed hash of console/staff ids before they go up: stable per venue, not reversible without the key. */
  pseudonymise(id: string): string;
}

export const venueKeyFiles = (dataDir: string) => ({
  privateKey: join(dataDir, 'sync', 'venue-ed25519.key'),
  publicKey: join(dataDir, 'sync', 'venue-ed25519.pub'),
});

/** The default place of the platform's public key: the venue accepts downlink messages signed by it only. */
export const platformKeyFile = (dataDir: string) => join(dataDir, 'sync', 'platform-ed25519.pub');

/** The venue's Ed25519 signing key, created on first start (private key readable by the owner only). */
export function loadOrCreateVenueKey(dataDir: string): VenueKey {
  const files = venueKeyFiles(dataDir);
  if (!existsSync(files.privateKey)) {
    mkdirSync(dirname(files.privateKey), { recursive: true });
    const pair = generateKeyPairSync('ed25519');
    writeFileSync(files.privateKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(files.publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  }
  const privateKey = createPrivateKey(readFileSync(files.privateKey));
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (!existsSync(files.publicKey)) writeFileSync(files.publicKey, publicKeyPem);
  const salt = createHash('sha256')
    .update('halledge-actor-pseudonym\n')
    .update(privateKey.export({ type: 'pkcs8', format: 'der' }))
    .digest();
  return {
    privateKey,
    publicKey,
    publicKeyPem,
    keyId: keyId(publicKey),
    pseudonymise: (id) => `p-${createHmac('sha256', salt).update(id).digest('hex').slice(0, 16)}`,
  };
}

/** Reads the platform's public key (SPKI PEM); a clear error names the file if it is missing or not a key. */
export function loadPlatformKey(file: string): KeyObject {
  if (!existsSync(file)) throw new Error(`platform public key not found: ${file}`);
  try {
    const key = createPublicKey(readFileSync(file));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`is a ${key.asymmetricKeyType} key, not ed25519`);
    return key;
  } catch (err) {
    throw new Error(`platform public key ${file}: ${(err as Error).message}`);
  }
}
