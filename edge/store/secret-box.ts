import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * How new boxes are sealed: AES-256-GCM by default; in the 国密 suite SM4-CBC with an HMAC-SM3 tag over it
 * (encrypt-then-MAC: Node 20's OpenSSL 3.0 has SM4 but no SM4-GCM, Node 24's has; CBC + HMAC works on both).
 * Either way a box opens whatever the current cipher is: the tag's length says which sealed it (16 bytes GCM,
 * 32 bytes HMAC-SM3), so data sealed before a venue switched suites stays readable.
 */
export type SealCipher = 'aes-256-gcm' | 'sm4-cbc-hmac-sm3';

/** A sealing key: the 32 random bytes of its key file and the cipher new boxes are sealed with. */
export interface SealingKey {
  cipher: SealCipher;
  key: Buffer;
}

/** A box as it is stored: three columns beside the row it belongs to. */
export interface SealedBox {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export class SecretBoxError extends Error {}

/** Loads a 32-byte key from the keys directory, creating it (random, owner-only) on first start. */
export function loadOrCreateKey(file: string, cipher: SealCipher = 'aes-256-gcm'): SealingKey {
  if (!existsSync(file)) writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  const key = readFileSync(file);
  if (key.length !== 32) throw new SecretBoxError(`${file}: key must be 32 bytes, found ${key.length}`);
  return { cipher, key };
}

/**
 * Encrypts `plain`; `binding` (e.g. the row's id) is authenticated but not stored in the box, so a box copied
 * to another row fails to open there.
 */
export function seal({ cipher, key }: SealingKey, plain: Buffer, binding: string): SealedBox {
  if (cipher === 'sm4-cbc-hmac-sm3') {
    const keys = sm4Keys(key);
    const iv = randomBytes(16);
    const encrypt = createCipheriv('sm4-cbc', keys.encrypt, iv);
    const ciphertext = Buffer.concat([encrypt.update(plain), encrypt.final()]);
    return { iv, ciphertext, tag: sm4Tag(keys.mac, iv, ciphertext, binding) };
  }
  const iv = randomBytes(12);
  const encrypt = createCipheriv('aes-256-gcm', key, iv);
  encrypt.setAAD(Buffer.from(binding));
  const ciphertext = Buffer.concat([encrypt.update(plain), encrypt.final()]);
  return { iv, ciphertext, tag: encrypt.getAuthTag() };
}

/** Decrypts a box sealed with the same key and binding, in either cipher; anything else is a SecretBoxError. */
export function unseal({ key }: SealingKey, box: SealedBox, binding: string): Buffer {
  const refused = new SecretBoxError(`${binding}: failed authentication (wrong key or altered)`);
  if (box.tag.length === SM3_TAG_BYTES) {
    const keys = sm4Keys(key);
    if (box.iv.length !== 16 || !timingSafeEqual(box.tag, sm4Tag(keys.mac, box.iv, box.ciphertext, binding)))
      throw refused;
    const decrypt = createDecipheriv('sm4-cbc', keys.encrypt, box.iv);
    return Buffer.concat([decrypt.update(box.ciphertext), decrypt.final()]);
  }
  try {
    const decrypt = createDecipheriv('aes-256-gcm', key, box.iv);
    decrypt.setAAD(Buffer.from(binding));
    decrypt.setAuthTag(box.tag);
    return Buffer.concat([decrypt.update(box.ciphertext), decrypt.final()]);
  } catch {
    throw refused;
  }
}

const SM3_TAG_BYTES = 32;

/** Separate SM4 and HMAC keys derived from the key file (HMAC-SM3 with a label each), never the raw key twice. */
export function sm4Keys(key: Buffer): { encrypt: Buffer; mac: Buffer } {
  const derive = (label: string) => createHmac('sm3', key).update(label).digest();
  return { encrypt: derive('halledge-seal/sm4-cbc').subarray(0, 16), mac: derive('halledge-seal/hmac-sm3') };
}

/** HMAC-SM3 over the binding (length-prefixed, so binding and IV cannot trade bytes), the IV and the ciphertext. */
export function sm4Tag(mac: Buffer, iv: Buffer, ciphertext: Buffer, binding: string): Buffer {
  const bindingBytes = Buffer.from(binding);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bindingBytes.length);
  return createHmac('sm3', mac).update(length).update(bindingBytes).update(iv).update(ciphertext).digest();
}
