import { sign, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/venue-harness.ts';
import { historicPublicKey, rotateVenueKey, venueKeyHistory } from './key-rotation.ts';
import { loadOrCreateVenueKey, venueKeyFiles } from './keys.ts';

describe('venue signing key rotation', () => {
  it('retires the old key with its validity; what it signed stays verifiable, and it signs no more', () => {
    const keysDir = tempDir();
    const old = loadOrCreateVenueKey(keysDir);
    const message = Buffer.from('checkpoint 1');
    const signature = sign(null, message, old.privateKey);
    const oldPrivate = readFileSync(venueKeyFiles(keysDir).privateKey, 'utf8');

    const history = rotateVenueKey(keysDir, 1_800_000_000_000);
    const next = loadOrCreateVenueKey(keysDir);
    expect(next.keyId).not.toBe(old.keyId);
    expect(history).toEqual([
      {
        keyId: old.keyId,
        publicKeyPem: old.publicKeyPem,
        validFrom: expect.any(Number),
        validUntil: 1_800_000_000_000,
      },
      { keyId: next.keyId, publicKeyPem: next.publicKeyPem, validFrom: 1_800_000_000_000, validUntil: null },
    ]);
    expect(venueKeyHistory(keysDir)).toEqual(history);
    // The old signature verifies with the old public key from the history; the new key does not vouch for it.
    expect(verify(null, message, historicPublicKey(keysDir, old.keyId)!, signature)).toBe(true);
    expect(verify(null, message, next.publicKey, signature)).toBe(false);
    // The old private key is gone from the keys directory.
    expect(readFileSync(venueKeyFiles(keysDir).privateKey, 'utf8')).not.toBe(oldPrivate);
    expect(historicPublicKey(keysDir, 'no-such-key')).toBeNull();

    // A second rotation keeps the whole history.
    expect(rotateVenueKey(keysDir, 1_900_000_000_000).map((k) => k.validUntil)).toEqual([
      1_800_000_000_000,
      1_900_000_000_000,
      null,
    ]);
    expect(existsSync(venueKeyFiles(keysDir).publicKey)).toBe(true);
  });
});
