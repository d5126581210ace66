import { type Db, migrate } from '../store/database.ts';
import { loadOrCreateKey, type SealCipher, type SealingKey, seal, unseal } from '../store/secret-box.ts';

/** A camera an administrator adopted (found by WS-Discovery, or typed in), beside the venue file's cameras. */
export interface AdoptedCamera {
  id: string;
  name: string;
  /** The zone (evaluation room, hall…) it films. */
  zone: string;
  /** Since when its footage is that zone's (ms; set when it was moved), null: since it was adopted. */
  zoneSince: number | null;
  /** ONVIF device service address. */
  xaddr: string;
  adoptedBy: string;
  adoptedAt: number;
}

const migrations = [
  {
    version: 1,
    sql: `CREATE TABLE video_cameras (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, zone TEXT NOT NULL, xaddr TEXT NOT NULL UNIQUE,
      username TEXT NOT NULL, password_iv BLOB NOT NULL, password_tag BLOB NOT NULL, password BLOB NOT NULL,
      adopted_by TEXT NOT NULL, adopted_at INTEGER NOT NULL)`,
  },
  { version: 2, sql: 'ALTER TABLE video_cameras ADD COLUMN zone_since INTEGER' },
];

interface Row {
  id: string;
  name: string;
  zone: string;
  xaddr: string;
  username: string;
  password_iv: Buffer;
  password_tag: Buffer;
  password: Buffer;
  adopted_by: string;
  adopted_at: number;
  zone_since: number | null;
}

const toCamera = (r: Row): AdoptedCamera => ({
  id: r.id,
  name: r.name,
  zone: r.zone,
  zoneSince: r.zone_since,
  xaddr: r.xaddr,
  adoptedBy: r.adopted_by,
  adoptedAt: r.adopted_at,
});

/**
 * Adopted cameras in SQLite (module `video-cameras`), so they are recorded again after a restart. The camera's
 * password is sealed with AES-256-GCM (SM4 in the 国密 suite) under the data directory's `camera-key` (bound to the camera id), and only
 * `credentials()` opens it, for the ONVIF/RTSP connection: no listing returns it.
 */
export class CameraDirectory {
  private readonly key: SealingKey;

  constructor(
    private readonly db: Db,
    keyFile: string,
    cipher?: SealCipher,
  ) {
    migrate(db, 'video-cameras', migrations);
    this.key = loadOrCreateKey(keyFile, cipher);
  }

  list(): AdoptedCamera[] {
    return (this.db.prepare('SELECT * FROM video_cameras ORDER BY adopted_at').all() as Row[]).map(toCamera);
  }

  get(id: string): AdoptedCamera | null {
    const row = this.row(id);
    return row ? toCamera(row) : null;
  }

  byXaddr(xaddr: string): AdoptedCamera | null {
    const row = this.db.prepare('SELECT * FROM video_cameras WHERE xaddr = ?').get(xaddr) as Row | undefined;
    return row ? toCamera(row) : null;
  }

  add(camera: Omit<AdoptedCamera, 'zoneSince'>, credentials: { username: string; password: string }): void {
    const box = seal(this.key, Buffer.from(credentials.password, 'utf8'), camera.id);
    this.db
      .prepare(
        `INSERT INTO video_cameras (id, name, zone, xaddr, username, password_iv, password_tag, password, adopted_by, adopted_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        camera.id,
        camera.name,
        camera.zone,
        camera.xaddr,
        credentials.username,
        box.iv,
        box.tag,
        box.ciphertext,
        camera.adoptedBy,
        camera.adoptedAt,
      );
  }

  credentials(id: string): { username: string; password: string } {
    const row = this.row(id);
    if (!row) throw new Error(`no adopted camera ${id}`);
    const box = { iv: row.password_iv, tag: row.password_tag, ciphertext: row.password };
    return { username: row.username, password: unseal(this.key, box, id).toString('utf8') };
  }

  /** Renames a camera, or places it in another zone whose footage it is from `zoneSince` on. */
  update(id: string, change: { name: string } | { zone: string; zoneSince: number }): void {
    if ('zone' in change)
      this.db
        .prepare('UPDATE video_cameras SET zone = ?, zone_since = ? WHERE id = ?')
        .run(change.zone, change.zoneSince, id);
    else this.db.prepare('UPDATE video_cameras SET name = ? WHERE id = ?').run(change.name, id);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM video_cameras WHERE id = ?').run(id).changes > 0;
  }

  private row(id: string): Row | undefined {
    return this.db.prepare('SELECT * FROM video_cameras WHERE id = ?').get(id) as Row | undefined;
  }
}
