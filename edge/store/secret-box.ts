import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** An AES-256-GCM box as it is stored: three columns beside the row it belongs to. */
export interface SealedBox {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export class SecretBoxError extends Error {}

/** Loads a 32-byte key from the data directory, creating it (random, owner-only) on first start. */
export function loadOrCreateKey(file: string): Buffer {
  if (!existsSync(file)) writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  const key = readFileSync(file);
  if (key.length !== 32) throw new SecretBoxError(`${file}: key must be 32 bytes, found ${key.length}`);
  return key;
}

/**
 * Encrypts `plain`; `binding` (e.g. the row's id) is authenticated but not stored in the box, so a box copied
 * to another row fails to open there.
 */
export function seal(key: Buffer, plain: Buffer, binding: string): SealedBox {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(binding));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Decrypts a box sealed with the same key and binding; anything else is a SecretBoxError. */
export function unseal(key: Buffer, box: SealedBox, binding: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, box.iv);
  decipher.setAAD(Buffer.from(binding));
  decipher.setAuthTag(box.tag);
  try {
    return Buffer.concat([decipher.update(box.ciphertext), decipher.final()]);
  } catch {
    throw new SecretBoxError(`${binding}: failed authentication (wrong key or altered)`);
  }
}
