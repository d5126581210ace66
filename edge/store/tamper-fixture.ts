// For tests: the attacker of issue #14, who opens the venue's SQLite file directly, drops the append-only
// triggers and cuts or rewrites the record — re-hashing the chain so that it verifies again.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type EventRow, eventHash, GENESIS_HASH } from './event-log.ts';

/** Runs `edit` on a plain connection to `<dataDir>/halledge.db` with UPDATE and DELETE allowed. */
export function tamper(dataDir: string, edit: (db: Database.Database) => void): void {
  const db = new Database(join(dataDir, 'halledge.db'));
  db.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;');
  edit(db);
  db.close();
}

/** Deletes every event after `keepSeq`. */
export const truncateLog = (dataDir: string, keepSeq: number): void =>
  tamper(dataDir, (db) => db.prepare('DELETE FROM events WHERE seq > ?').run(keepSeq));

/** Recomputes every hash from `fromSeq` on, so the chain verifies again after an edit. */
export function rehashFrom(db: Database.Database, fromSeq: number): void {
  const rows = db.prepare('SELECT * FROM events WHERE seq >= ? ORDER BY seq').all(fromSeq) as EventRow[];
  let prev =
    (db
      .prepare('SELECT hash FROM events WHERE seq = ?')
      .pluck()
      .get(fromSeq - 1) as string) ?? GENESIS_HASH;
  const update = db.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?');
  for (const row of rows) {
    const hash = eventHash({ ...row, prev_hash: prev });
    update.run(prev, hash, row.seq);
    prev = hash;
  }
}
