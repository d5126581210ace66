import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { makePrivate, PRIVATE_FILE_MODE } from './private-files.ts';

export type Db = Database.Database;

/** A schema step owned by one module; modules migrate independently so they never renumber each other. */
export interface Migration {
  version: number;
  sql: string;
}

/** Opens (creating if needed) a SQLite file in WAL mode, tuned for one writer process. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
    // SQLite gives the WAL and shared-memory files the database file's mode: create it owner-only first.
    if (!existsSync(file)) writeFileSync(file, '', { mode: PRIVATE_FILE_MODE });
    makePrivate(file, `${file}-wal`, `${file}-shm`);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable across process crashes; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // SQLite's default 2 MB page cache is sized for phones; replaying a session reads ~100,000 rows spread over
  // the whole log, which runs ~30 % faster with the pages cached and the file memory-mapped (bench/replay.ts).
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 268435456');
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,
    PRIMARY KEY (module, version))`);
  return db;
}

/** A database written by a newer HallEdge: running older code on it could misread or corrupt the record. */
export class NewerDatabaseError extends Error {}

/**
 * Applies the module's migrations that are not yet applied, each in its own transaction. Refuses a database whose
 * module is at a version this build does not know (a downgrade): restore the backup taken before the upgrade instead.
 */
export function migrate(db: Db, module: string, migrations: readonly Migration[]): void {
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations WHERE module = ?').pluck().all(module) as number[],
  );
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known)
    throw new NewerDatabaseError(
      `${db.name}: module "${module}" is at schema version ${newest}, newer than this HallEdge knows (${known}); ` +
        'refusing to start on a database written by a newer version (docs/operations.md: upgrade and rollback)',
    );
  const record = db.prepare('INSERT INTO schema_migrations (module, version, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(module, m.version, Date.now());
    })();
  }
}
