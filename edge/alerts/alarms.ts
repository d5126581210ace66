import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain-error.ts';
import { migrate } from '../store/database.ts';
import type { EventLog, TypedEvent } from '../store/event-log.ts';
import type { AlarmKind } from './alarm-kinds.ts';

/**
 * Alarm levels. The national trading-data spec's 项目报警信息 carries a 报警等级; HallEdge uses three,
 * mapped here and nowhere else.
 */
export const ALARM_LEVELS = {
  1: { code: '1', zh: '一般', en: 'minor' },
  2: { code: '2', zh: '较重', en: 'major' },
  3: { code: '3', zh: '严重', en: 'critical' },
} as const;
export type AlarmLevel = keyof typeof ALARM_LEVELS;

export type AlarmState = 'raised' | 'acknowledged' | 'resolved';

export interface Alarm {
  id: string;
  kind: string;
  level: AlarmLevel;
  subject: string;
  session: string | null;
  state: AlarmState;
  details: Record<string, unknown>;
  raisedAt: number;
  raisedSeq: number;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  note: string | null;
  /** Times the condition came back soon after the system cleared it and reopened this alarm. */
  reopened: number;
}

export interface RaiseAlarm {
  /** What is wrong, from the catalogue (alarm-kinds.ts), e.g. `device-offline`, `wrong-room`, `tailgating`. */
  kind: AlarmKind;
  level: AlarmLevel;
  /** What it is about: a device, a door, a badge, a pseudonymous person. One open alarm per kind and subject. */
  subject: string;
  session?: string | null;
  details?: Record<string, unknown>;
  at?: number;
  /**
   * Flap suppression: if the system cleared an alarm of this kind and subject less than this long ago, that
   * alarm is reopened (`alarm.reopened`) instead of a new one being raised.
   */
  reopenWithinMs?: number;
}

const migrations = [
  {
    version: 1,
    sql: `CREATE TABLE alarms (
      id TEXT PRIMARY KEY, kind TEXT NOT NULL, level INTEGER NOT NULL, subject TEXT NOT NULL, session TEXT,
      state TEXT NOT NULL, details TEXT NOT NULL, raised_at INTEGER NOT NULL, raised_seq INTEGER NOT NULL,
      acknowledged_by TEXT, acknowledged_at INTEGER, resolved_by TEXT, resolved_at INTEGER, note TEXT);
    CREATE INDEX alarms_open ON alarms (kind, subject) WHERE state != 'resolved';
    CREATE INDEX alarms_session ON alarms (session);`,
  },
  { version: 2, sql: 'ALTER TABLE alarms ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;' },
];

interface AlarmRow {
  id: string;
  kind: string;
  level: number;
  subject: string;
  session: string | null;
  state: AlarmState;
  details: string;
  raised_at: number;
  raised_seq: number;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  resolved_by: string | null;
  resolved_at: number | null;
  note: string | null;
  reopened: number;
}

const toAlarm = (r: AlarmRow): Alarm => ({
  id: r.id,
  kind: r.kind,
  level: r.level as AlarmLevel,
  subject: r.subject,
  session: r.session,
  state: r.state,
  details: JSON.parse(r.details),
  raisedAt: r.raised_at,
  raisedSeq: r.raised_seq,
  acknowledgedBy: r.acknowledged_by,
  acknowledgedAt: r.acknowledged_at,
  resolvedBy: r.resolved_by,
  resolvedAt: r.resolved_at,
  note: r.note,
  reopened: r.reopened,
});

/**
 * One alarm engine for every capability. Alarms live in the event log (`alarm.raised`, `alarm.acknowledged`,
 * `alarm.resolved`, `alarm.reopened`); the alarms table is their projection. Raising a kind+subject that is
 * already open is suppressed (the open alarm is returned), and with `reopenWithinMs` a condition that returns
 * soon after the system cleared it reopens that alarm, so a flapping condition does not flood the console.
 */
export class AlarmEngine {
  constructor(private readonly log: EventLog) {
    migrate(log.db, 'alerts', migrations);
    log.addProjection((e) => this.project(e));
  }

  raise(input: RaiseAlarm): { alarm: Alarm; raised: boolean; reopened?: boolean } {
    const open = this.openFor(input.kind, input.subject);
    if (open) return { alarm: open, raised: false };
    const flapped = input.reopenWithinMs
      ? this.clearedSince(input, (input.at ?? Date.now()) - input.reopenWithinMs)
      : null;
    if (flapped) {
      this.log.append({
        type: 'alarm.reopened',
        subject: flapped.subject,
        session: flapped.session,
        actor: 'system',
        at: input.at,
        data: { alarmId: flapped.id, details: input.details ?? {} },
      });
      return { alarm: this.get(flapped.id)!, raised: false, reopened: true };
    }
    const id = randomUUID();
    this.log.append({
      type: 'alarm.raised',
      subject: input.subject,
      session: input.session ?? null,
      actor: 'system',
      at: input.at,
      data: { alarmId: id, kind: input.kind, level: input.level, details: input.details ?? {} },
    });
    return { alarm: this.get(id)!, raised: true };
  }

  acknowledge(id: string, by: string, note: string | null = null): Alarm {
    return this.transition(id, 'acknowledged', by, note);
  }

  resolve(id: string, by: string, note: string | null = null): Alarm {
    return this.transition(id, 'resolved', by, note);
  }

  /** raised → acknowledged → resolved; an alarm may also be resolved straight from raised. */
  private transition(id: string, to: 'acknowledged' | 'resolved', by: string, note: string | null): Alarm {
    const alarm = this.mustGet(id);
    const allowed = to === 'acknowledged' ? alarm.state === 'raised' : alarm.state !== 'resolved';
    if (!allowed) throw new DomainError('conflict', `alarm ${id} is already ${alarm.state}`);
    this.log.append({
      type: `alarm.${to}`,
      subject: alarm.subject,
      session: alarm.session,
      actor: by,
      data: { alarmId: id, note },
    });
    return this.mustGet(id);
  }

  /** Resolves the open alarm of this kind and subject, if any, because its condition cleared. */
  clear(kind: AlarmKind, subject: string, why: string): Alarm | null {
    const open = this.openFor(kind, subject);
    return open ? this.resolve(open.id, 'system', why) : null;
  }

  openFor(kind: string, subject: string): Alarm | null {
    const row = this.log.db
      .prepare("SELECT * FROM alarms WHERE kind = ? AND subject = ? AND state != 'resolved'")
      .get(kind, subject) as AlarmRow | undefined;
    return row ? toAlarm(row) : null;
  }

  /** The latest alarm of this kind and subject that the system (not a person) resolved at or after `since`. */
  private clearedSince(input: RaiseAlarm, since: number): Alarm | null {
    const row = this.log.db
      .prepare(
        `SELECT * FROM alarms WHERE kind = ? AND subject = ? AND state = 'resolved' AND resolved_by = 'system'
         AND resolved_at >= ? ORDER BY resolved_at DESC LIMIT 1`,
      )
      .get(input.kind, input.subject, since) as AlarmRow | undefined;
    return row ? toAlarm(row) : null;
  }

  get(id: string): Alarm | null {
    const row = this.log.db.prepare('SELECT * FROM alarms WHERE id = ?').get(id) as AlarmRow | undefined;
    return row ? toAlarm(row) : null;
  }

  list(
    filter: { state?: AlarmState | 'open'; session?: string; kind?: string; level?: number; limit?: number } = {},
  ): Alarm[] {
    const where: string[] = [];
    if (filter.state === 'open') where.push("state != 'resolved'");
    else if (filter.state) where.push('state = @state');
    if (filter.session) where.push('session = @session');
    if (filter.kind) where.push('kind = @kind');
    if (filter.level) where.push('level = @level');
    const sql = `SELECT * FROM alarms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_seq DESC LIMIT @limit`;
    return (this.log.db.prepare(sql).all({ ...filter, limit: filter.limit ?? 500 }) as AlarmRow[]).map(toAlarm);
  }

  private mustGet(id: string): Alarm {
    const alarm = this.get(id);
    if (!alarm) throw new DomainError('not-found', `no alarm ${id}`);
    return alarm;
  }

  /** The alarms table from the alarm events, narrowed by type (TypedEvent: appended, so checked). */
  private project(e: TypedEvent): void {
    const db = this.log.db;
    if (e.type === 'alarm.raised') {
      const d = e.data;
      db.prepare(
        `INSERT INTO alarms (id, kind, level, subject, session, state, details, raised_at, raised_seq)
         VALUES (?, ?, ?, ?, ?, 'raised', ?, ?, ?)`,
      ).run(d.alarmId, d.kind, d.level, e.subject, e.session, JSON.stringify(d.details), e.at, e.seq);
    } else if (e.type === 'alarm.acknowledged') {
      db.prepare(
        "UPDATE alarms SET state = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?, note = coalesce(?, note) WHERE id = ?",
      ).run(e.actor, e.at, e.data.note, e.data.alarmId);
    } else if (e.type === 'alarm.reopened') {
      db.prepare(
        `UPDATE alarms SET state = 'raised', acknowledged_by = NULL, acknowledged_at = NULL, resolved_by = NULL,
           resolved_at = NULL, reopened = reopened + 1 WHERE id = ?`,
      ).run(e.data.alarmId);
    } else if (e.type === 'alarm.resolved') {
      db.prepare(
        "UPDATE alarms SET state = 'resolved', resolved_by = ?, resolved_at = ?, note = coalesce(?, note) WHERE id = ?",
      ).run(e.actor, e.at, e.data.note, e.data.alarmId);
    }
  }
}
