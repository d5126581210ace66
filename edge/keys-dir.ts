import { chmodSync, copyFileSync, existsSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DEVICE_SECRET_FILE } from '../devices/provisioning.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './store/private-files.ts';
import { sm2KeyFiles } from './store/suites.ts';
import { platformKeyFile, venueKeyFiles } from './sync/keys.ts';

// Where the keys directory is: the device contract says it, as devices are provisioned from it.
export { cliKeysDir, defaultKeysDir } from '../devices/provisioning.ts';

/** The key files of a venue, relative to its keys directory. Everyone who opens a key file names it from here. */
export const KEY_FILES = {
  /** Provisioning secret: every device's bus password is derived from it (devices/provisioning.ts). */
  deviceSecret: DEVICE_SECRET_FILE,
  /**
   * Keys of the sealed columns — expert names, face templates, camera passwords (AES-256-GCM, or SM4 + HMAC-SM3 in
   * the 国密 suite) — and of the ID numbers' keyed hash.
   */
  names: 'names.key',
  idNumbers: 'id-number.key',
  biometrics: 'biometric.key',
  cameras: 'camera-key',
  /** The first administrator's password, when none was given (deleted by the administrator after use). */
  initialAdminPassword: 'initial-admin-password',
} as const;

/** Key files an older edition kept inside the data directory (the sync keys and the 国密 SM2 key under sync/). */
function legacyKeyFiles(): string[] {
  const sync = venueKeyFiles('.');
  const sm2 = sm2KeyFiles('.');
  const files = [sync.privateKey, sync.publicKey, platformKeyFile('.'), sm2.privateKey, sm2.publicKey];
  return [...Object.values(KEY_FILES), ...files].map((f) => relative('.', f));
}

/**
 * Opens the keys directory (owner-only) and moves into it any key file an older edition left in the data
 * directory, so an upgraded venue keeps its keys — and its devices, sealed data and signatures — and the data
 * directory no longer holds them.
 */
export function openKeysDir(keysDir: string, dataDir: string): void {
  ensurePrivateDir(keysDir);
  for (const name of legacyKeyFiles()) {
    const from = join(dataDir, name);
    const to = join(keysDir, name);
    if (!existsSync(from)) continue;
    if (existsSync(to)) throw new Error(`key file ${name} is both in ${dataDir} and in ${keysDir}: keep one`);
    ensurePrivateDir(dirname(to));
    moveFile(from, to);
  }
}

function moveFile(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    copyFileSync(from, to);
    chmodSync(to, PRIVATE_FILE_MODE);
    unlinkSync(from);
  }
}
