import type { Venue } from '../../config/schema.ts';
import type { AlarmEngine } from '../alerts/alarms.ts';
import { migrate } from '../store/database.ts';
import type { EventLog, TypedEvent } from '../store/event-log.ts';

export interface DeviceRecord {
  id: string;
  kind: string;
  name: string;
  room: string | null;
  door: string | null;
  zone: string | null;
  heartbeatS: number;
  online: boolean;
  lastSeen: number | null;
  firmware: string | null;
  malformed: number;
  lastError: string | null;
  lastErrorAt: number | null;
  state: Record<string, unknown> | null;
}

export type OfflineReason =
  | 'last-will'
  | 'heartbeat-timeout'
  | 'announced'
  | 'camera-unreachable'
  | 'not-back-after-restart';

const migrations = [
  {
    version: 1,
    sql: `CREATE TABLE devices (
      id TEXT PRIMARY KEY, online INTEGER NOT NULL DEFAULT 0, firmware TEXT, since INTEGER,
      last_seen INTEGER, malformed INTEGER NOT NULL DEFAULT 0, last_error TEXT, last_error_at INTEGER, state TEXT)`,
  },
];

/** A device is offline after this many heartbeats are missed. */
const MISSED_HEARTBEATS = 3;
const DEFAULT_HEARTBEAT_S = 10;
/** After an edge start, devices that were online have this long to reconnect (venue file `deviceHealth`). */
const DEFAULT_RESTART_GRACE_S = 60;

/**
 * Health of every device and camera the venue file names: online/offline from last will and heartbeat,
 * last seen, firmware, malformed-message counts. Online/offline changes are events; a device going offline
 * raises a device-offline alarm that clears when it returns.
 *
 * A planned edge restart is not a device failure: once the edge is stopping, the devices' last wills (the
 * broker closing their connections) are not recorded, and after a start the devices that were online get
 * `restartGraceS` to be heard again before they count as offline (`not-back-after-restart`).
 */
export class DeviceRegistry {
  private readonly devices = new Map<string, DeviceRecord>();
  private timer: NodeJS.Timeout | null = null;
  private readonly saveVolatile;
  private readonly restartGraceMs: number;
  /** Devices online when the edge stopped, not heard since it started. */
  private readonly awaitingReturn = new Set<string>();
  private stopping = false;

  constructor(
    venue: Venue,
    private readonly log: EventLog,
    private readonly alarms: AlarmEngine,
    private readonly startedAt = Date.now(),
  ) {
    this.restartGraceMs = (venue.deviceHealth?.restartGraceS ?? DEFAULT_RESTART_GRACE_S) * 1000;
    migrate(log.db, 'registry', migrations);
    const all = [
      ...venue.devices.map((d) => ({ ...d, heartbeatS: d.heartbeatS ?? DEFAULT_HEARTBEAT_S })),
      ...venue.cameras.map((c) => ({
        id: c.id,
        kind: 'camera',
        name: c.name,
        zone: c.zone,
        heartbeatS: DEFAULT_HEARTBEAT_S,
      })),
    ];
    const saved = new Map(
      (
        log.db.prepare('SELECT * FROM devices').all() as {
          id: string;
          online: number;
          firmware: string | null;
          last_seen: number | null;
          malformed: number;
          last_error: string | null;
          last_error_at: number | null;
          state: string | null;
        }[]
      ).map((r) => [r.id, r]),
    );
    const now = startedAt;
    for (const d of all) {
      const s = saved.get(d.id);
      if (s?.online === 1 && d.kind !== 'camera') this.awaitingReturn.add(d.id);
      this.devices.set(d.id, {
        id: d.id,
        kind: d.kind,
        name: d.name,
        room: ('room' in d && d.room) || null,
        door: ('door' in d && d.door) || null,
        zone: d.zone ?? null,
        heartbeatS: d.heartbeatS,
        online: s?.online === 1,
        // After an edge restart a device that was online gets a full timeout to be heard again.
        lastSeen: s?.online === 1 ? now : (s?.last_seen ?? null),
        firmware: s?.firmware ?? null,
        malformed: s?.malformed ?? 0,
        lastError: s?.last_error ?? null,
        lastErrorAt: s?.last_error_at ?? null,
        state: s?.state ? JSON.parse(s.state) : null,
      });
      log.db.prepare('INSERT OR IGNORE INTO devices (id) VALUES (?)').run(d.id);
    }
    this.saveVolatile = log.db.prepare(
      'UPDATE devices SET last_seen = @lastSeen, malformed = @malformed, last_error = @lastError, last_error_at = @lastErrorAt, state = @state WHERE id = @id',
    );
    log.addProjection((e) => this.project(e));
  }

  get(id: string): DeviceRecord | undefined {
    return this.devices.get(id);
  }

  list(): DeviceRecord[] {
    return [...this.devices.values()];
  }

  /** Checks heartbeats every second. */
  start(): void {
    this.timer ??= setInterval(() => this.checkHeartbeats(Date.now()), 1000);
    this.timer.unref();
  }

  /** The edge is stopping: from now on a device dropping off is the edge's doing, not the device's. */
  stop(): void {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.persist();
  }

  /** Any valid message proves the device is alive. */
  heard(id: string, at = Date.now()): void {
    const d = this.devices.get(id);
    if (!d) return;
    d.lastSeen = at;
    this.awaitingReturn.delete(id);
    if (!d.online) this.markOnline(id, 'message');
  }

  heartbeat(id: string, firmware: string, at = Date.now()): void {
    const d = this.devices.get(id);
    if (!d) return;
    if (d.firmware !== firmware)
      this.log.append({
        type: 'device.firmware',
        subject: id,
        actor: id,
        method: 'device-credential',
        data: { firmware, previous: d.firmware },
      });
    this.heard(id, at);
  }

  markOnline(id: string, reason: string): void {
    this.awaitingReturn.delete(id);
    const d = this.devices.get(id);
    if (!d || d.online) return;
    d.lastSeen ??= Date.now();
    this.log.append({
      type: 'device.online',
      subject: id,
      actor: id,
      method: 'device-credential',
      data: { kind: d.kind, reason },
    });
    this.alarms.clear('device-offline', id, 'device back online');
  }

  /**
   * A camera's health as its recorder sees it (cameras send no heartbeats): online while its segments arrive,
   * offline when they stop. The recorder raises camera-offline itself, so this raises no device-offline alarm.
   */
  cameraRecording(id: string, recording: boolean, at = Date.now()): void {
    if (recording) this.heard(id, at);
    else this.markOffline(id, 'camera-unreachable', { alarm: false });
  }

  markOffline(id: string, reason: OfflineReason, { alarm = true }: { alarm?: boolean } = {}): void {
    const d = this.devices.get(id);
    // While the edge stops, the broker closing connections fires every device's last will: not a failure.
    if (!d?.online || this.stopping) return;
    this.log.append({
      type: 'device.offline',
      subject: id,
      actor: 'system',
      data: { kind: d.kind, reason, lastSeen: d.lastSeen },
    });
    if (!alarm) return;
    this.alarms.raise({
      kind: 'device-offline',
      level: 2,
      subject: id,
      details: { kind: d.kind, name: d.name, reason },
    });
  }

  setState(id: string, state: Record<string, unknown>): void {
    const d = this.devices.get(id);
    if (d) d.state = state;
  }

  recordMalformed(id: string, error: string, at = Date.now()): void {
    const d = this.devices.get(id);
    if (!d) return;
    d.malformed++;
    d.lastError = error;
    d.lastErrorAt = at;
  }

  checkHeartbeats(now: number): void {
    for (const d of this.devices.values()) {
      if (d.kind === 'camera') continue; // cameras are watched by the video module
      if (this.awaitingReturn.has(d.id)) {
        if (now - this.startedAt < this.restartGraceMs) continue;
        this.awaitingReturn.delete(d.id);
        this.markOffline(d.id, 'not-back-after-restart');
        continue;
      }
      if (d.online && d.lastSeen !== null && now - d.lastSeen > d.heartbeatS * 1000 * MISSED_HEARTBEATS) {
        this.markOffline(d.id, 'heartbeat-timeout');
      }
    }
  }

  /** Writes the volatile fields (last seen, counters, state) that are not events. */
  persist(): void {
    this.log.db.transaction(() => {
      for (const d of this.devices.values())
        this.saveVolatile.run({ ...d, state: d.state ? JSON.stringify(d.state) : null });
    })();
  }

  private project(e: TypedEvent): void {
    const d = e.subject ? this.devices.get(e.subject) : undefined;
    if (!d) return;
    if (e.type === 'device.online' || e.type === 'device.offline') {
      d.online = e.type === 'device.online';
      this.log.db.prepare('UPDATE devices SET online = ?, since = ? WHERE id = ?').run(d.online ? 1 : 0, e.at, d.id);
    } else if (e.type === 'device.firmware') {
      d.firmware = e.data.firmware;
      this.log.db.prepare('UPDATE devices SET firmware = ? WHERE id = ?').run(d.firmware, d.id);
    }
  }
}
