// What the host venue knows of a remote session's guest rooms: the guest venues' redacted events of the session
// as the hub forwarded them (never names, faces or tracks: their upstream views), when each arrived here, the
// resume cursor per guest venue, and the gaps — from when the host could not see the guest room to when it had
// caught up. A projection of what came over the link, not part of this venue's hash chain (the guest's events
// are in the guest's record; the gaps are recorded here as `remote.guest-gap`).
import type { Db } from '../store/database.ts';
import { migrate } from '../store/database.ts';
import { preparedCache } from '../store/prepared.ts';
import type { GuestEvent } from '../sync/link-wire.ts';

const migrations = [
  {
    version: 1,
    sql: `
      CREATE TABLE remote_guest_events (
        session TEXT NOT NULL, venue TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, type TEXT NOT NULL,
        subject TEXT, actor TEXT, method TEXT, body TEXT, received_at INTEGER NOT NULL,
        PRIMARY KEY (session, venue, seq)) WITHOUT ROWID;
      -- The guest venue's seq up to which the host has everything of the session (resume after it).
      CREATE TABLE remote_cursors (
        session TEXT NOT NULL, venue TEXT NOT NULL, after_seq INTEGER NOT NULL, PRIMARY KEY (session, venue));
      CREATE TABLE remote_gaps (
        id INTEGER PRIMARY KEY, session TEXT NOT NULL, venue TEXT NOT NULL, from_ms INTEGER NOT NULL,
        to_ms INTEGER, caught_up INTEGER);
      CREATE INDEX remote_gaps_session ON remote_gaps (session, venue);
    `,
  },
];

export interface GuestCheckin {
  pseudonym: string;
  seat: string | null;
  method: string | null;
  at: number;
  receivedAt: number;
}

export interface GuestAlarm {
  alarmId: string;
  kind: string;
  /** 报警等级 code: 1 一般, 2 较重, 3 严重. */
  level: number;
  /** 报警内容 as the guest venue reported it (catalogued text + place id). */
  content: string;
  state: 'raised' | 'acknowledged' | 'resolved';
  at: number;
  receivedAt: number;
}

/** An intercom call at the guest room (ids and outcome: the audio stays at the guest venue). */
export interface GuestCall {
  callId: string;
  direction: string | null;
  state: 'ringing' | 'answered' | 'ended';
  answered: boolean;
  durationS: number | null;
  at: number;
  receivedAt: number;
}

/** A device or camera of the guest room as its last online/offline event left it (forwarded by the hub). */
export interface GuestDevice {
  device: string;
  kind: string | null;
  online: boolean;
  /** Why it went offline or came back, as the guest venue recorded it (last-will, camera-unreachable, …). */
  reason: string | null;
  at: number;
  receivedAt: number;
}

export interface GuestGap {
  from: number;
  /** null while the host still cannot see the guest room. */
  to: number | null;
  /** Events of the gap's time that arrived in the catch-up (null while open). */
  caughtUp: number | null;
}

export interface GuestRoomView {
  venue: string;
  room: string;
  /** The session's state at the guest venue (its last `session.state-changed`), null before any. */
  state: string | null;
  checkins: GuestCheckin[];
  alarms: GuestAlarm[];
  calls: GuestCall[];
  /** Devices of the guest room that went offline or came back during the session, the latest state each. */
  devices: GuestDevice[];
  gaps: GuestGap[];
  /** How many of the session's guest events the host holds, and the latest one's times. */
  events: number;
  lastEvent: { seq: number; type: string; at: number; receivedAt: number } | null;
  cursor: number;
}

interface EventRow {
  seq: number;
  at: number;
  type: string;
  subject: string | null;
  actor: string | null;
  method: string | null;
  body: string | null;
  received_at: number;
}

const HANDLE_STATE: Record<string, GuestAlarm['state']> = { '0': 'raised', '1': 'acknowledged', '2': 'resolved' };

export class GuestView {
  private readonly sql: ReturnType<typeof preparedCache>;

  constructor(private readonly db: Db) {
    migrate(db, 'remote', migrations);
    this.sql = preparedCache(db);
  }

  cursor(session: string, venue: string): number {
    return (
      (this.sql('SELECT after_seq FROM remote_cursors WHERE session = ? AND venue = ?').pluck().get(session, venue) as
        | number
        | undefined) ?? 0
    );
  }

  /** Keeps forwarded events (each once) and moves the cursor past them; returns how many were new. */
  receive(session: string, venue: string, events: GuestEvent[], receivedAt: number): number {
    const insert = this.sql(
      `INSERT OR IGNORE INTO remote_guest_events (session, venue, seq, at, type, subject, actor, method, body, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.db.transaction(() => {
      let fresh = 0;
      for (const e of events) {
        const body = e.body === null ? null : JSON.stringify(e.body);
        fresh += insert.run(
          session,
          venue,
          e.seq,
          e.at,
          e.type,
          e.subject,
          e.actor,
          e.method,
          body,
          receivedAt,
        ).changes;
      }
      const last = events.at(-1);
      if (last) this.advance(session, venue, last.seq);
      return fresh;
    })();
  }

  /** The hub says the host holds everything of the session up to `seq` of the guest venue. */
  advance(session: string, venue: string, seq: number): void {
    this.sql(
      `INSERT INTO remote_cursors (session, venue, after_seq) VALUES (?, ?, ?)
       ON CONFLICT DO UPDATE SET after_seq = MAX(after_seq, excluded.after_seq)`,
    ).run(session, venue, seq);
  }

  /** The host stopped seeing the guest room at `at` (a gap opens unless one is open). */
  interrupted(session: string, venue: string, at: number): void {
    if (this.openGap(session, venue)) return;
    this.sql('INSERT INTO remote_gaps (session, venue, from_ms) VALUES (?, ?, ?)').run(session, venue, at);
  }

  /** The host has caught up with the guest room at `at`: the open gap closes (returned), if there is one. */
  restored(session: string, venue: string, at: number): { from: number; to: number; caughtUp: number } | null {
    const open = this.openGap(session, venue);
    if (!open) return null;
    const caughtUp = this.sql(
      'SELECT count(*) FROM remote_guest_events WHERE session = ? AND venue = ? AND at >= ? AND at <= ?',
    )
      .pluck()
      .get(session, venue, open.from_ms, at) as number;
    this.sql('UPDATE remote_gaps SET to_ms = ?, caught_up = ? WHERE id = ?').run(at, caughtUp, open.id);
    return { from: open.from_ms, to: at, caughtUp };
  }

  private openGap(session: string, venue: string) {
    return this.sql('SELECT id, from_ms FROM remote_gaps WHERE session = ? AND venue = ? AND to_ms IS NULL').get(
      session,
      venue,
    ) as { id: number; from_ms: number } | undefined;
  }

  /** The guest room as the host witness sees it. */
  room(session: string, venue: string, room: string): GuestRoomView {
    const rows = this.sql(
      'SELECT seq, at, type, subject, actor, method, body, received_at FROM remote_guest_events WHERE session = ? AND venue = ? ORDER BY seq',
    ).all(session, venue) as EventRow[];
    const checkins: GuestCheckin[] = [];
    const alarms = new Map<string, GuestAlarm>();
    const calls = new Map<string, GuestCall>();
    const devices = new Map<string, GuestDevice>();
    let state: string | null = null;
    for (const r of rows) {
      const body = (r.body ? JSON.parse(r.body) : {}) as Record<string, unknown>;
      if (r.type === 'checkin.accepted') {
        checkins.push({
          pseudonym: String(body.pseudonym ?? r.actor ?? r.subject ?? ''),
          seat: typeof body.seat === 'string' ? body.seat : null,
          method: r.method,
          at: r.at,
          receivedAt: r.received_at,
        });
      } else if (r.type === 'session.state-changed' && typeof body.to === 'string') {
        state = body.to;
      } else if (r.type === 'alarm.raised' && body.projectAlarm) {
        const a = body.projectAlarm as Record<string, string>;
        alarms.set(a.alarmCode!, {
          alarmId: a.alarmCode!,
          kind: a.alarmKind ?? 'unknown',
          level: Number(a.alarmLevel ?? 1),
          content: a.alarmContent ?? '',
          state: 'raised',
          at: r.at,
          receivedAt: r.received_at,
        });
      } else if ((r.type === 'alarm.acknowledged' || r.type === 'alarm.resolved') && typeof body.alarmId === 'string') {
        const alarm = alarms.get(body.alarmId);
        if (alarm) alarm.state = HANDLE_STATE[String(body.handleState)] ?? alarm.state;
      } else if (r.type.startsWith('intercom.call-') && typeof body.callId === 'string') {
        followCall(calls, r, body as Record<string, unknown> & { callId: string });
      } else if ((r.type === 'device.online' || r.type === 'device.offline') && r.subject) {
        devices.set(r.subject, {
          device: r.subject,
          kind: typeof body.kind === 'string' ? body.kind : null,
          online: r.type === 'device.online',
          reason: typeof body.reason === 'string' ? body.reason : null,
          at: r.at,
          receivedAt: r.received_at,
        });
      }
    }
    const gaps = (
      this.sql(
        'SELECT from_ms, to_ms, caught_up FROM remote_gaps WHERE session = ? AND venue = ? ORDER BY from_ms',
      ).all(session, venue) as { from_ms: number; to_ms: number | null; caught_up: number | null }[]
    ).map((g) => ({ from: g.from_ms, to: g.to_ms, caughtUp: g.caught_up }));
    const last = rows.at(-1);
    return {
      venue,
      room,
      state,
      checkins,
      alarms: [...alarms.values()],
      calls: [...calls.values()],
      devices: [...devices.values()],
      gaps,
      events: rows.length,
      lastEvent: last ? { seq: last.seq, type: last.type, at: last.at, receivedAt: last.received_at } : null,
      cursor: this.cursor(session, venue),
    };
  }
}

/** A call's course from its uploaded events: started (ringing), answered, ended with its outcome. */
function followCall(
  calls: Map<string, GuestCall>,
  r: EventRow,
  body: Record<string, unknown> & { callId: string },
): void {
  if (r.type === 'intercom.call-started') {
    calls.set(body.callId, {
      callId: body.callId,
      direction: typeof body.direction === 'string' ? body.direction : null,
      state: 'ringing',
      answered: false,
      durationS: null,
      at: r.at,
      receivedAt: r.received_at,
    });
    return;
  }
  const call = calls.get(body.callId);
  if (!call) return;
  if (r.type === 'intercom.call-answered') {
    call.state = 'answered';
    call.answered = true;
  } else if (r.type === 'intercom.call-ended') {
    call.state = 'ended';
    call.answered = body.answered === true;
    call.durationS = typeof body.durationS === 'number' ? body.durationS : null;
  }
}
