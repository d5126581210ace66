import { type Db, migrate } from '../store/database.ts';

/** One recorded file: a validated mp4 segment of one camera. Times are wall-clock milliseconds. */
export interface Segment {
  id: number;
  camera: string;
  start: number;
  end: number;
  size: number;
  path: string;
  sha256: string;
  /** Session whose archive holds this footage; null for rolling footage. */
  lockedSession: string | null;
  /** Until when the lock holds (end of the archive period); null when unlocked. */
  lockedUntil: number | null;
}

export interface SessionLock {
  session: string;
  camera: string;
  from: number;
  to: number;
  until: number;
}

const migrations = [
  {
    version: 1,
    sql: `CREATE TABLE video_segments (
      id INTEGER PRIMARY KEY, camera TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
      size INTEGER NOT NULL, path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL,
      locked_session TEXT, locked_until INTEGER);
    CREATE INDEX video_segments_camera ON video_segments (camera, start_ms);
    CREATE INDEX video_segments_age ON video_segments (start_ms);
    CREATE TABLE video_locks (
      session TEXT NOT NULL, camera TEXT NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,
      until_ms INTEGER NOT NULL, PRIMARY KEY (session, camera, from_ms));
    CREATE TABLE video_gaps (camera TEXT NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL);
    CREATE INDEX video_gaps_camera ON video_gaps (camera, from_ms);`,
  },
  {
    // Gaps are measured from the segments themselves (coverage.ts), also across restarts; a run journal lets the
    // next start find what a crashed edge's recorders left behind (leftovers.ts).
    version: 2,
    sql: `DROP TABLE video_gaps;
    CREATE TABLE video_runs (
      prefix TEXT PRIMARY KEY, camera TEXT NOT NULL, dir TEXT NOT NULL, pid INTEGER,
      started_ms INTEGER NOT NULL, settled_ms INTEGER);
    CREATE INDEX video_runs_unsettled ON video_runs (started_ms) WHERE settled_ms IS NULL;`,
  },
];

/** One ffmpeg run of a recorder: its files are `<dir>/<prefix>-NNNNNN.mp4`. Settled once every file is accounted for. */
export interface RecordingRun {
  prefix: string;
  camera: string;
  dir: string;
  pid: number | null;
  started: number;
}

interface Row {
  id: number;
  camera: string;
  start_ms: number;
  end_ms: number;
  size: number;
  path: string;
  sha256: string;
  locked_session: string | null;
  locked_until: number | null;
}
const toSegment = (r: Row): Segment => ({
  id: r.id,
  camera: r.camera,
  start: r.start_ms,
  end: r.end_ms,
  size: r.size,
  path: r.path,
  sha256: r.sha256,
  lockedSession: r.locked_session,
  lockedUntil: r.locked_until,
});

/** The SQLite index of recorded segments and session locks (module `video`). */
export class SegmentIndex {
  private readonly stmts;

  constructor(private readonly db: Db) {
    migrate(db, 'video', migrations);
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO video_segments (camera, start_ms, end_ms, size, path, sha256, locked_session, locked_until)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      lockFor: db.prepare(
        `SELECT session, until_ms FROM video_locks WHERE camera = ? AND from_ms < ? AND to_ms > ?
         ORDER BY until_ms DESC LIMIT 1`,
      ),
      range: db.prepare(
        'SELECT * FROM video_segments WHERE camera = ? AND end_ms > ? AND start_ms < ? ORDER BY start_ms',
      ),
      sessionLocks: db.prepare(
        `SELECT session, camera, from_ms AS "from", to_ms AS "to", until_ms AS "until" FROM video_locks
         WHERE session = ? ORDER BY camera, from_ms`,
      ),
      byId: db.prepare('SELECT * FROM video_segments WHERE id = ?'),
      addLock: db.prepare(
        'INSERT OR REPLACE INTO video_locks (session, camera, from_ms, to_ms, until_ms) VALUES (?, ?, ?, ?, ?)',
      ),
      applyLock: db.prepare(
        `UPDATE video_segments SET locked_session = ?, locked_until = ?
         WHERE camera = ? AND end_ms > ? AND start_ms < ? AND (locked_until IS NULL OR locked_until < ?)`,
      ),
      oldestUnlocked: db.prepare(
        `SELECT * FROM video_segments WHERE locked_until IS NULL OR locked_until <= ? ORDER BY start_ms LIMIT ?`,
      ),
      expired: db.prepare(
        `SELECT * FROM video_segments WHERE end_ms < ? AND (locked_until IS NULL OR locked_until <= ?) ORDER BY start_ms`,
      ),
      remove: db.prepare('DELETE FROM video_segments WHERE id = ?'),
      totalBytes: db.prepare('SELECT COALESCE(SUM(size), 0) FROM video_segments').pluck(),
      // Segments of a camera do not overlap, so the latest start holds the latest end (and the index serves it).
      lastEnd: db.prepare('SELECT end_ms FROM video_segments WHERE camera = ? ORDER BY start_ms DESC LIMIT 1').pluck(),
      firstStart: db.prepare('SELECT start_ms FROM video_segments WHERE camera = ? ORDER BY start_ms LIMIT 1').pluck(),
      hasPath: db.prepare('SELECT 1 FROM video_segments WHERE path = ?').pluck(),
      beginRun: db.prepare('INSERT INTO video_runs (prefix, camera, dir, pid, started_ms) VALUES (?, ?, ?, ?, ?)'),
      settleRun: db.prepare('UPDATE video_runs SET settled_ms = ? WHERE prefix = ?'),
      unsettledRuns: db.prepare(
        `SELECT prefix, camera, dir, pid, started_ms AS started FROM video_runs WHERE settled_ms IS NULL
         ORDER BY started_ms`,
      ),
    };
  }

  /** Adds a segment; it inherits any session lock covering its time. */
  add(s: Omit<Segment, 'id' | 'lockedSession' | 'lockedUntil'>): Segment {
    const lock = this.stmts.lockFor.get(s.camera, s.end, s.start) as { session: string; until_ms: number } | undefined;
    const info = this.stmts.insert.run(
      s.camera,
      s.start,
      s.end,
      s.size,
      s.path,
      s.sha256,
      lock?.session ?? null,
      lock?.until_ms ?? null,
    );
    return {
      ...s,
      id: Number(info.lastInsertRowid),
      lockedSession: lock?.session ?? null,
      lockedUntil: lock?.until_ms ?? null,
    };
  }

  /** Segments of a camera overlapping [from, to), oldest first. */
  range(camera: string, from: number, to: number): Segment[] {
    return (this.stmts.range.all(camera, from, to) as Row[]).map(toSegment);
  }

  /** The segment with this id, null when there is none (never indexed, or deleted by retention). */
  segment(id: number): Segment | null {
    const row = this.stmts.byId.get(id) as Row | undefined;
    return row ? toSegment(row) : null;
  }

  /** Where the camera's indexed footage ends (ms), null when it has none. */
  lastEnd(camera: string): number | null {
    return (this.stmts.lastEnd.get(camera) as number | null) ?? null;
  }

  /** Where the camera's oldest indexed footage starts (ms), null when it has none. */
  firstStart(camera: string): number | null {
    return (this.stmts.firstStart.get(camera) as number | null) ?? null;
  }

  /** Whether a file is an indexed segment. */
  has(path: string): boolean {
    return this.stmts.hasPath.get(path) !== undefined;
  }

  /** Journals an ffmpeg run before it writes anything, so a crash leaves a trail to its files and its process. */
  beginRun(run: RecordingRun): void {
    this.stmts.beginRun.run(run.prefix, run.camera, run.dir, run.pid, run.started);
  }

  /** Every file of the run is indexed or quarantined. */
  settleRun(prefix: string, at = Date.now()): void {
    this.stmts.settleRun.run(at, prefix);
  }

  /** Runs not settled: their edge died (or was stopped without waiting) while they recorded. Oldest first. */
  unsettledRuns(): RecordingRun[] {
    return this.stmts.unsettledRuns.all() as RecordingRun[];
  }

  /** Locks the camera's footage in [from, to) — recorded and still to come — to the session until `until`. */
  lock(l: SessionLock): number {
    return this.db.transaction(() => {
      this.stmts.addLock.run(l.session, l.camera, l.from, l.to, l.until);
      return this.stmts.applyLock.run(l.session, l.until, l.camera, l.from, l.to, l.until).changes;
    })();
  }

  /** The locks binding footage to a session (its primary key leads with the session), by camera and time. */
  locksOf(session: string): SessionLock[] {
    return this.stmts.sessionLocks.all(session) as SessionLock[];
  }

  /** Unlocked (or lock expired at `now`) segments, oldest first. */
  oldestUnlocked(now: number, limit: number): Segment[] {
    return (this.stmts.oldestUnlocked.all(now, limit) as Row[]).map(toSegment);
  }

  /** Unlocked segments that ended before `before`. */
  expired(before: number, now: number): Segment[] {
    return (this.stmts.expired.all(before, now) as Row[]).map(toSegment);
  }

  remove(id: number): void {
    this.stmts.remove.run(id);
  }

  totalBytes(): number {
    return this.stmts.totalBytes.get() as number;
  }
}
