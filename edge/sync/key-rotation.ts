// Rotates the venue's Ed25519 signing key: the old private key is destroyed, its public key stays in the key
// history with the time it was valid, so batches and checkpoints it signed stay verifiable. Stop the edge first.
// Usage: npm run rotate-venue-key -- --venue jincheng [--data data/<venue>] [--keys data/<venue>-keys]
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cliKeysDir } from '../keys-dir.ts';
import { loadOrCreateVenueKey, venueKeyFiles } from './keys.ts';

/** One venue key as it was used: signatures made between validFrom and validUntil (null: still in use). */
export interface HistoricKey {
  keyId: string;
  publicKeyPem: string;
  validFrom: number;
  validUntil: number | null;
}

export const keyHistoryFile = (keysDir: string) => join(keysDir, 'sync', 'venue-key-history.json');

/** Every venue key there has been, the current one last (recorded from its file's date if never rotated). */
export function venueKeyHistory(keysDir: string): HistoricKey[] {
  const file = keyHistoryFile(keysDir);
  const history: HistoricKey[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).keys : [];
  if (!existsSync(venueKeyFiles(keysDir).privateKey)) return history;
  const current = loadOrCreateVenueKey(keysDir);
  if (history.some((k) => k.keyId === current.keyId)) return history;
  const from = statSync(venueKeyFiles(keysDir).privateKey).mtimeMs;
  return [...history, { keyId: current.keyId, publicKeyPem: current.publicKeyPem, validFrom: from, validUntil: null }];
}

/** The public key that signed as `keyId`, from the history; null if the venue never had it. */
export function historicPublicKey(keysDir: string, keyId: string): KeyObject | null {
  const key = venueKeyHistory(keysDir).find((k) => k.keyId === keyId);
  return key ? createPublicKey(key.publicKeyPem) : null;
}

/** Retires the current key at `now` and makes a new one; returns the history with both. */
export function rotateVenueKey(keysDir: string, now = Date.now()): HistoricKey[] {
  const retired = venueKeyHistory(keysDir).map((k) => (k.validUntil === null ? { ...k, validUntil: now } : k));
  const files = venueKeyFiles(keysDir);
  for (const file of [files.privateKey, files.publicKey]) if (existsSync(file)) unlinkSync(file);
  const next = loadOrCreateVenueKey(keysDir);
  const keys = [...retired, { keyId: next.keyId, publicKeyPem: next.publicKeyPem, validFrom: now, validUntil: null }];
  writeFileSync(keyHistoryFile(keysDir), `${JSON.stringify({ keys }, null, 2)}\n`);
  return keys;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { venue: { type: 'string', default: 'jincheng' }, data: { type: 'string' }, keys: { type: 'string' } },
  });
  const keys = rotateVenueKey(cliKeysDir(values.venue!, values));
  const [old, next] = keys.slice(-2);
  console.log(
    `venue key ${old?.keyId} retired, ${next?.keyId} in use. Put a new enrolment token from the city in sync.json ` +
      '(enrolToken) and start the edge: it registers the new key before it sends anything signed with it.',
  );
}
