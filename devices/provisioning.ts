// How a device proves who it is on the venue bus: its password is derived from the venue's provisioning secret,
// which lives in the venue's keys directory. The edge checks passwords with it; the provisioning tool
// (`npm run provision`) and the device simulators present them. A contract shared by all three, so it imports no
// domain code.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Where a venue keeps its keys unless told otherwise: beside the data directory, not in it, so a copy of the
 * data (a backup, a disk sent for repair) does not carry the keys. `data/jincheng` → `data/jincheng-keys`.
 */
export const defaultKeysDir = (dataDir: string) => `${resolve(dataDir)}-keys`;

/** The keys directory a command-line tool opens: `--keys`, else beside `--data` (default `data/<venue>`). */
export const cliKeysDir = (venue: string, values: { data?: string; keys?: string }) =>
  values.keys ?? defaultKeysDir(values.data ?? join('data', venue));

/** The provisioning secret's file in the keys directory: every device's bus password is derived from it. */
export const DEVICE_SECRET_FILE = 'device-secret';

/** Username of the edge's own bus connection; devices use their venue-file id. */
export const EDGE_USERNAME = 'halledge-edge';

/**
 * Each device gets its own password, derived from the venue's provisioning secret with HMAC-SHA256,
 * so the edge needs no password table and a leaked device password exposes only that device.
 */
export function deviceCredential(secret: Buffer, venue: string, username: string): string {
  return createHmac('sha256', secret).update(`${venue}/${username}`).digest('base64url');
}

export function credentialMatches(secret: Buffer, venue: string, username: string, password: Buffer): boolean {
  const expected = Buffer.from(deviceCredential(secret, venue, username));
  return password.length === expected.length && timingSafeEqual(password, expected);
}

/** Reads the venue's provisioning secret, creating it (mode 0600) on first start. */
export function loadOrCreateSecret(file: string): Buffer {
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('base64')}\n`, { mode: 0o600 });
  return secret;
}
