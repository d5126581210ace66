import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Backup and restore of one venue (docs/operations.md). A backup folder holds:
 *   data/…          every SQLite database, copied with SQLite's online backup (consistent while the edge runs),
 *                   and every other file of the data directory (sync cursor files, checkpoints, receipts, …);
 *   manifest.json   every file with its size and SHA-256, footage (video/, recordings/) included;
 *   keys/           the key directory, when it is given — to be stored apart from the data (another medium).
 * Restore refuses a non-empty target, checks every file against the manifest before it copies anything, and
 * names what is missing or altered.
 */

export interface BackupManifest {
  format: 'halledge-backup/1';
  createdAt: number;
  files: { path: string; bytes: number; sha256: string }[];
  /** Paths (relative to the backup folder) of the key files, if keys were backed up. */
  keys: { path: string; bytes: number; sha256: string }[];
}

const MANIFEST = 'manifest.json';
/** SQLite's own side files: the online backup already holds what they held. */
const SQLITE_SIDE = /-(wal|shm|journal)$/;
/** A running edge's single-writer lock is not state to restore. */
const SKIP = new Set(['edge.lock']);

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function isSqlite(file: string): boolean {
  if (!file.endsWith('.db')) return false;
  return readFileSync(file).subarray(0, 16).toString('latin1') === 'SQLite format 3\0';
}

async function entry(root: string, file: string) {
  return { path: relative(root, file), bytes: statSync(file).size, sha256: await sha256(file) };
}

export async function backupVenue(options: { dataDir: string; keysDir?: string; to: string }): Promise<BackupManifest> {
  const { dataDir, keysDir, to } = options;
  if (!existsSync(join(dataDir, 'halledge.db')))
    throw new Error(`${dataDir}: no halledge.db here — not a venue data directory`);
  if (existsSync(to) && readdirSync(to).length) throw new Error(`${to}: not empty; a backup goes into a new folder`);
  mkdirSync(to, { recursive: true, mode: 0o700 });
  const manifest: BackupManifest = { format: 'halledge-backup/1', createdAt: Date.now(), files: [], keys: [] };
  for (const file of listFiles(dataDir)) {
    const rel = relative(dataDir, file);
    if (SQLITE_SIDE.test(file) || SKIP.has(rel)) continue;
    const target = join(to, 'data', rel);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    if (isSqlite(file)) {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        await db.backup(target);
      } finally {
        db.close();
      }
    } else copyFileSync(file, target);
    chmodSync(target, 0o600);
    manifest.files.push(await entry(to, target));
  }
  if (keysDir && keysDir !== dataDir) {
    for (const file of listFiles(keysDir)) {
      const target = join(to, 'keys', relative(keysDir, file));
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      copyFileSync(file, target);
      chmodSync(target, 0o600);
      manifest.keys.push(await entry(to, target));
    }
  }
  writeFileSync(join(to, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`, { mode: 0o600 });
  return manifest;
}

export class BackupError extends Error {}

/** Checks every file of a backup against its manifest; returns the problems (empty: intact). */
export async function checkBackup(from: string): Promise<string[]> {
  const manifestFile = join(from, MANIFEST);
  if (!existsSync(manifestFile)) return [`${manifestFile}: missing — not a HallEdge backup`];
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BackupManifest;
  if (manifest.format !== 'halledge-backup/1') return [`${manifestFile}: unknown format ${String(manifest.format)}`];
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const f of [...manifest.files, ...manifest.keys]) {
    listed.add(f.path);
    const file = join(from, f.path);
    if (!existsSync(file)) problems.push(`${f.path}: missing`);
    else if ((await sha256(file)) !== f.sha256) problems.push(`${f.path}: altered (SHA-256 differs from the manifest)`);
  }
  for (const file of listFiles(from)) {
    const rel = relative(from, file);
    if (rel !== MANIFEST && !listed.has(rel)) problems.push(`${rel}: not in the manifest`);
  }
  return problems;
}

/** Restores a checked backup into an empty data directory (and key directory, if the backup has keys). */
export async function restoreVenue(options: {
  from: string;
  dataDir: string;
  keysDir?: string;
}): Promise<BackupManifest> {
  const { from, dataDir, keysDir } = options;
  const problems = await checkBackup(from);
  if (problems.length) throw new BackupError(`${from} is not an intact backup:\n  ${problems.join('\n  ')}`);
  for (const dir of [dataDir, keysDir])
    if (dir && existsSync(dir) && readdirSync(dir).length)
      throw new BackupError(`${dir}: not empty; restore only into an empty directory`);
  const manifest = JSON.parse(readFileSync(join(from, MANIFEST), 'utf8')) as BackupManifest;
  if (manifest.keys.length && !keysDir)
    throw new BackupError('the backup holds keys: name the key directory to restore them to');
  const place = (entries: BackupManifest['files'], prefix: string, root: string) => {
    for (const f of entries) {
      const target = join(root, relative(prefix, f.path));
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      copyFileSync(join(from, f.path), target);
      chmodSync(target, 0o600);
    }
  };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  place(manifest.files, 'data', dataDir);
  if (keysDir) {
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    place(manifest.keys, 'keys', keysDir);
  }
  return manifest;
}
