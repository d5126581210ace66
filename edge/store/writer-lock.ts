import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { VENUE_UTC_OFFSET_MS } from '../sessions/model.ts';

export const LOCK_FILE = 'edge.lock';
const OWNER_FILE = 'edge.lock.owner';

export class DataDirInUseError extends Error {}

export interface WriterLock {
  release(): void;
}

/**
 * One writer per data directory: a second edge on the same files would fork the hash chain. The lock is an
 * exclusive SQLite transaction held open on `edge.lock`, i.e. a POSIX advisory lock that the operating system
 * drops when the process dies, so a `kill -9` or a power cut leaves no stale lock behind. SQLite also refuses a
 * second connection in the same process.
 */
export function acquireWriterLock(dataDir: string): WriterLock {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    throw new DataDirInUseError(
      `另一个 HallEdge 正在使用数据目录 ${dataDir}（${owner(dataDir)}）；同一数据目录只能有一个写入者，请先停止它。\n` +
        `Another HallEdge is using the data directory ${dataDir} (${owner(dataDir, 'en')}); ` +
        'one writer per data directory: stop it first.',
    );
  }
  writeFileSync(
    join(dataDir, OWNER_FILE),
    `${JSON.stringify({ pid: process.pid, host: hostname(), since: venueTime(Date.now()) })}\n`,
  );
  return {
    release() {
      if (db.open) db.close();
    },
  };
}

/** ISO 8601 in venue time (Asia/Shanghai, +08:00 all year). */
function venueTime(ms: number): string {
  return new Date(ms + VENUE_UTC_OFFSET_MS).toISOString().replace('Z', '+08:00');
}

/** Who holds the lock, as the holder wrote it when it took the lock (informational: the lock itself is the OS's). */
function owner(dataDir: string, lang: 'zh' | 'en' = 'zh'): string {
  try {
    const o = JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as {
      pid: number;
      host: string;
      since: string;
    };
    return lang === 'zh'
      ? `进程 ${o.pid}，主机 ${o.host}，自 ${o.since}`
      : `pid ${o.pid} on ${o.host} since ${o.since}`;
  } catch {
    return lang === 'zh' ? '持有者未知' : 'holder unknown';
  }
}
