import { type Db, migrate, openDatabase } from '../store/database.ts';

/** One stored trajectory point. Raw positions are personal data: they live here, never in the event log. */
export interface TrajectoryPoint {
  badge: string;
  /** The positioning engine's time of the fix. */
  at: number;
  floor: string;
  x: number;
  y: number;
  accuracy: number;
}

const migrations = [
  {
    version: 1,
    sql: `
      CREATE TABLE trajectory (
        badge TEXT NOT NULL, at INTEGER NOT NULL, floor TEXT NOT NULL, x REAL NOT NULL, y REAL NOT NULL, accuracy REAL NOT NULL);
      CREATE INDEX trajectory_badge_at ON trajectory (badge, at);
      CREATE INDEX trajectory_at ON trajectory (at);`,
  },
];

/** Rows deleted per purge transaction, so a purge never holds the writer for long. */
const PURGE_CHUNK = 20_000;

/**
 * Downsampled badge trajectories in their own SQLite file (short retention, apart from the record):
 * at most one point per badge per `sampleMs` of fix time, buffered and written in one transaction per flush.
 */
export class TrajectoryStore {
  readonly db: Db;
  private readonly lastKept = new Map<string, number>();
  private pending: TrajectoryPoint[] = [];
  private readonly insert;
  /** Points offered, and points kept after downsampling; flushed ≤ kept until the next flush. */
  readonly stats = { offered: 0, kept: 0, flushed: 0, purged: 0 };

  constructor(
    file: string,
    public sampleMs: number,
  ) {
    this.db = openDatabase(file);
    migrate(this.db, 'tracking-trajectories', migrations);
    this.insert = this.db.prepare(
      'INSERT INTO trajectory (badge, at, floor, x, y, accuracy) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  /** Keeps the point if the badge's last kept point is at least `sampleMs` older. */
  offer(p: TrajectoryPoint): void {
    this.stats.offered++;
    const last = this.lastKept.get(p.badge);
    if (last !== undefined && Math.abs(p.at - last) < this.sampleMs) return;
    this.lastKept.set(p.badge, Math.max(last ?? p.at, p.at));
    this.pending.push(p);
    this.stats.kept++;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  flush(): number {
    if (this.pending.length === 0) return 0;
    const batch = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      for (const p of batch) this.insert.run(p.badge, p.at, p.floor, p.x, p.y, p.accuracy);
    })();
    this.stats.flushed += batch.length;
    return batch.length;
  }

  /** Deletes points older than the cutoff, in chunks; returns how many went. */
  purge(olderThan: number): number {
    const del = this.db.prepare(
      `DELETE FROM trajectory WHERE rowid IN (SELECT rowid FROM trajectory WHERE at < ? LIMIT ${PURGE_CHUNK})`,
    );
    let total = 0;
    for (;;) {
      const n = del.run(olderThan).changes;
      total += n;
      if (n < PURGE_CHUNK) break;
    }
    this.stats.purged += total;
    return total;
  }

  query(badge: string, from: number, to: number, limit: number): TrajectoryPoint[] {
    return this.db
      .prepare(
        'SELECT badge, at, floor, x, y, accuracy FROM trajectory WHERE badge = ? AND at >= ? AND at < ? ORDER BY at LIMIT ?',
      )
      .all(badge, from, to, limit) as TrajectoryPoint[];
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM trajectory').pluck().get() as number;
  }

  oldest(): number | null {
    return (this.db.prepare('SELECT min(at) FROM trajectory').pluck().get() as number | null) ?? null;
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
