import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../app/start-venue.ts';
import { deviceCredential } from '../devices/provisioning.ts';
import { startTestVenue, tempDir } from '../test/venue-harness.ts';
import { defaultKeysDir, KEY_FILES } from './keys-dir.ts';
import { sm2KeyFiles } from './store/suites.ts';
import { venueKeyFiles } from './sync/keys.ts';

let edge: VenueRuntime | undefined;
afterEach(async () => {
  await edge?.stop();
  edge = undefined;
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('data and keys at rest', () => {
  it('keeps the data directory and the keys directory owner-only, the database and its WAL 0600', async () => {
    const dataDir = join(tempDir(), 'qinshui');
    edge = await startTestVenue({ dataDir });
    edge.log.append({ type: 'edge.stopped', actor: 'system' }); // the WAL exists once something is written
    expect(edge.keysDir).toBe(`${dataDir}-keys`);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(edge.keysDir)).toBe(0o700);
    for (const file of ['halledge.db', 'halledge.db-wal', 'halledge.db-shm'])
      expect([file, mode(join(dataDir, file))]).toEqual([file, 0o600]);
    // Every secret the edge made is in the keys directory, owner-only, and none is in the data directory.
    for (const name of [
      KEY_FILES.deviceSecret,
      KEY_FILES.names,
      KEY_FILES.idNumbers,
      KEY_FILES.biometrics,
      KEY_FILES.initialAdminPassword,
    ])
      expect([name, mode(join(edge.keysDir, name))]).toEqual([name, 0o600]);
    expect(mode(venueKeyFiles(edge.keysDir).privateKey)).toBe(0o600);
    expect(readdirSync(dataDir).filter((f) => /key|secret|password/.test(f))).toEqual([]);
    expect(existsSync(join(dataDir, 'sync'))).toBe(false);
  });

  it('tightens an older venue’s modes and moves its keys out of the data directory, devices keeping their passwords', async () => {
    const dataDir = tempDir();
    const secret = Buffer.alloc(32, 7);
    writeFileSync(join(dataDir, KEY_FILES.deviceSecret), `${secret.toString('base64')}\n`, { mode: 0o644 });
    mkdirSync(join(dataDir, 'sync'));
    const platform = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    writeFileSync(join(dataDir, 'sync', 'platform-ed25519.pub'), platform);
    // A 国密 venue's SM2 key (older editions kept it under sync/ in the data directory too).
    const sm2 = generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(join(dataDir, 'sync', 'venue-sm2.key'), sm2, { mode: 0o600 });
    edge = await startTestVenue({ dataDir });
    expect(readFileSync(sm2KeyFiles(defaultKeysDir(dataDir)).privateKey, 'utf8')).toBe(sm2);
    expect(existsSync(join(dataDir, 'sync', 'venue-sm2.key'))).toBe(false);
    expect(existsSync(join(dataDir, KEY_FILES.deviceSecret))).toBe(false);
    expect(readFileSync(join(defaultKeysDir(dataDir), 'sync', 'platform-ed25519.pub'), 'utf8')).toBe(platform);
    expect(edge.deviceCredential('gate-exit')).toBe(deviceCredential(secret, 'qinshui', 'gate-exit'));
    expect(mode(dataDir)).toBe(0o700);
  });

  it('uses the keys directory it is given', async () => {
    const keysDir = join(tempDir(), 'etc-halledge', 'qinshui');
    edge = await startTestVenue({ keysDir });
    expect(edge.keysDir).toBe(keysDir);
    expect(mode(join(keysDir, KEY_FILES.deviceSecret))).toBe(0o600);
  });
});
