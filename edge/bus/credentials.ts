import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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
