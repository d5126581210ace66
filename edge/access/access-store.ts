import type { Statement } from 'better-sqlite3';
import type { EventData } from '../event-catalogue.ts';
import { venueDay } from '../sessions/model.ts';
import { type Db, migrate } from '../store/database.ts';
import type { EventLog, TypedEvent } from '../store/event-log.ts';
import { preparedCache } from '../store/prepared.ts';
import type { Location } from './topology.ts';

/** Tables of module `access`. Presence, lockers, mode and roster are projections of access events. */
const migrations = [
  {
    version: 1,
    sql: `
      CREATE TABLE access_presence (
        day TEXT NOT NULL, person TEXT NOT NULL, session TEXT, location TEXT NOT NULL,
        left_during_evaluation INTEGER NOT NULL DEFAULT 0, reentry_approved INTEGER NOT NULL DEFAULT 0,
        room_entered_at INTEGER, window_alarmed INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL,
        PRIMARY KEY (day, person));
      CREATE TABLE access_lockers (
        bank TEXT NOT NULL, compartment INTEGER NOT NULL, holder TEXT NOT NULL, deposited_at INTEGER NOT NULL,
        PRIMARY KEY (bank, compartment));
      CREATE INDEX access_lockers_holder ON access_lockers (holder);
      CREATE TABLE access_mode (
        id INTEGER PRIMARY KEY CHECK (id = 1), mode TEXT NOT NULL, since INTEGER NOT NULL, by TEXT);
      CREATE TABLE access_staff (
        person TEXT PRIMARY KEY, role TEXT NOT NULL, days TEXT NOT NULL, from_min INTEGER NOT NULL,
        to_min INTEGER NOT NULL, all_rooms INTEGER NOT NULL);
      -- What the edge sent each gate, by version, so offline decisions can be checked against the list in force.
      CREATE TABLE access_allow_lists (
        device TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER NOT NULL, hash TEXT NOT NULL,
        entries TEXT NOT NULL, pushed_at INTEGER NOT NULL, PRIMARY KEY (device, version));
      CREATE TABLE access_offline_reports (
        device TEXT NOT NULL, request_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (device, request_id));
    `,
  },
  {
    version: 2,
    sql: `
      -- Sessions live when fire mode began: their experts re-enter only after a witness's roll call.
      CREATE TABLE access_roll_calls (
        session TEXT PRIMARY KEY, due_since INTEGER NOT NULL, done_seq INTEGER, done_by TEXT);
    `,
  },
];

export interface Presence {
  person: string;
  session: string | null;
  location: Location | 'unknown';
  leftDuringEvaluation: boolean;
  reentryApproved: boolean;
  roomEnteredAt: number | null;
  windowAlarmed: boolean;
}

export interface RosterEntry {
  person: string;
  role: string;
  /** ISO weekdays 1 (Monday) … 7. */
  days: number[];
  /** Minutes after venue-time midnight. */
  fromMin: number;
  toMin: number;
  allRooms: boolean;
}

/** Data of `access.granted` / `access.offline-decision` that moves a person. */
export interface PassageData {
  person: string | null;
  session: string | null;
  location: Location;
  leftDuringEvaluation?: boolean;
  reentryConsumed?: boolean;
  roomEntry?: boolean;
}

/** The passage fields as recorded (events.ts `passage`); a passage no grant announced has none of them. */
type RecordedPassage = Pick<
  EventData<'access.passage'>,
  'person' | 'session' | 'location' | 'leftDuringEvaluation' | 'reentryConsumed' | 'roomEntry'
>;

export type AccessMode = 'normal' | 'fire-open';

interface PresenceRow {
  person: string;
  session: string | null;
  location: string;
  left_during_evaluation: number;
  reentry_approved: number;
  room_entered_at: number | null;
  window_alarmed: number;
}

export class AccessStore {
  readonly db: Db;
  /** Prepared once, reused: decisions run these queries on every request. */
  readonly sql: (sql: string) => Statement;

  constructor(log: EventLog) {
    this.db = log.db;
    this.sql = preparedCache(log.db);
    migrate(this.db, 'access', migrations);
    log.addProjection((e) => this.project(e));
  }

  presence(person: string, at: number): Presence | null {
    const row = this.sql('SELECT * FROM access_presence WHERE day = ? AND person = ?').get(venueDay(at), person) as
      | PresenceRow
      | undefined;
    return row ? toPresence(row) : null;
  }

  presentToday(at: number): Presence[] {
    return (this.sql('SELECT * FROM access_presence WHERE day = ?').all(venueDay(at)) as PresenceRow[]).map(toPresence);
  }

  /** The compartment holding this person's phone, if deposited. */
  depositOf(holder: string): { bank: string; compartment: number; at: number } | null {
    const row = this.sql('SELECT bank, compartment, deposited_at AS at FROM access_lockers WHERE holder = ?').get(
      holder,
    ) as { bank: string; compartment: number; at: number } | undefined;
    return row ?? null;
  }

  /** Whose phone the record says is in this compartment, or null. */
  depositIn(bank: string, compartment: number): string | null {
    return (
      (this.sql('SELECT holder FROM access_lockers WHERE bank = ? AND compartment = ?')
        .pluck()
        .get(bank, compartment) as string | undefined) ?? null
    );
  }

  mode(): { mode: AccessMode; since: number | null; by: string | null } {
    const row = this.sql('SELECT mode, since, by FROM access_mode WHERE id = 1').get() as
      | { mode: AccessMode; since: number; by: string | null }
      | undefined;
    return row ?? { mode: 'normal', since: null, by: null };
  }

  roster(): RosterEntry[] {
    return (this.sql('SELECT * FROM access_staff ORDER BY person').all() as RosterRow[]).map(toRoster);
  }

  /** A fire mode caught this session live and no witness has taken its roll call since. */
  rollCallPending(session: string): boolean {
    return (
      this.sql('SELECT 1 FROM access_roll_calls WHERE session = ? AND done_seq IS NULL').get(session) !== undefined
    );
  }

  rollCallsDue(): string[] {
    return this.sql('SELECT session FROM access_roll_calls WHERE done_seq IS NULL ORDER BY session')
      .pluck()
      .all() as string[];
  }

  rosterEntry(person: string): RosterEntry | null {
    const row = this.sql('SELECT * FROM access_staff WHERE person = ?').get(person) as RosterRow | undefined;
    return row ? toRoster(row) : null;
  }

  private project(e: TypedEvent): void {
    switch (e.type) {
      // A person moves when the door reports the passage of their grant, not when the grant is given; a device
      // that decided offline reports a passage it let through.
      case 'access.passage':
      case 'access.offline-decision':
        if (e.type === 'access.offline-decision' && !e.data.granted) return;
        return this.movePerson(e.at, e.data);
      case 'access.roll-call': {
        this.sql('UPDATE access_roll_calls SET done_seq = ?, done_by = ? WHERE session = ?').run(
          e.seq,
          e.actor,
          e.session,
        );
        // Back at the assembly point, outside: who came back re-enters through the gate as before; who did not
        // left during evaluation and needs a witness to come back in. First room entries are kept.
        const day = venueDay(e.at);
        const mark = this.sql(
          `INSERT INTO access_presence (day, person, session, location, left_during_evaluation, updated_at)
             VALUES (?, ?, ?, 'outside', ?, ?) ON CONFLICT DO UPDATE SET location = 'outside',
             left_during_evaluation = excluded.left_during_evaluation, reentry_approved = 0, updated_at = excluded.updated_at`,
        );
        for (const p of e.data.present) mark.run(day, p, e.session, 0, e.at);
        for (const p of e.data.absent) mark.run(day, p, e.session, 1, e.at);
        return;
      }
      case 'access.reentry-approved':
        this.sql('UPDATE access_presence SET reentry_approved = 1, updated_at = ? WHERE day = ? AND person = ?').run(
          e.at,
          venueDay(e.at),
          e.data.person,
        );
        return;
      case 'access.mode-changed':
        this.sql(
          'INSERT INTO access_mode (id, mode, since, by) VALUES (1, ?, ?, ?) ON CONFLICT DO UPDATE SET mode = excluded.mode, since = excluded.since, by = excluded.by',
        ).run(e.data.mode, e.at, e.actor);
        // After an evacuation nobody's whereabouts are known until a witness's roll call per session; the
        // restrictions (left during evaluation, first room entry) stay as they were.
        if (e.data.mode === 'fire-open') {
          this.sql("UPDATE access_presence SET location = 'unknown' WHERE day = ? AND location != 'outside'").run(
            venueDay(e.at),
          );
          for (const session of e.data.rollCallDue ?? [])
            this.sql(
              `INSERT INTO access_roll_calls (session, due_since) VALUES (?, ?)
                 ON CONFLICT DO UPDATE SET due_since = excluded.due_since, done_seq = NULL, done_by = NULL`,
            ).run(session, e.at);
        }
        return;
      case 'locker.deposit':
        this.sql(
          'INSERT INTO access_lockers (bank, compartment, holder, deposited_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET holder = excluded.holder, deposited_at = excluded.deposited_at',
        ).run(e.subject, e.data.compartment, e.data.holder, e.at);
        return;
      case 'locker.retrieve':
        this.sql('DELETE FROM access_lockers WHERE bank = ? AND compartment = ?').run(e.subject, e.data.compartment);
        return;
      case 'access.staff-enrolled':
        this.sql(
          `INSERT INTO access_staff (person, role, days, from_min, to_min, all_rooms) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT DO UPDATE SET role = excluded.role, days = excluded.days, from_min = excluded.from_min,
               to_min = excluded.to_min, all_rooms = excluded.all_rooms`,
        ).run(
          e.subject,
          e.data.role,
          JSON.stringify(e.data.days),
          e.data.fromMin,
          e.data.toMin,
          e.data.allRooms ? 1 : 0,
        );
        return;
      case 'access.staff-removed':
        this.sql('DELETE FROM access_staff WHERE person = ?').run(e.subject);
        return;
      case 'alarm.raised':
        if (e.data.kind === 'entry-window-timeout')
          this.sql(
            `INSERT INTO access_presence (day, person, session, location, window_alarmed, updated_at)
               VALUES (?, ?, ?, 'outside', 1, ?) ON CONFLICT DO UPDATE SET window_alarmed = 1`,
          ).run(venueDay(e.at), e.subject, e.session, e.at);
        return;
    }
  }

  private movePerson(at: number, d: RecordedPassage): void {
    if (!d.person || d.location === undefined) return;
    this.sql(
      `INSERT INTO access_presence (day, person, session, location, left_during_evaluation, reentry_approved,
           room_entered_at, updated_at)
         VALUES (@day, @person, @session, @location, @left, 0, @roomAt, @at)
         ON CONFLICT DO UPDATE SET session = coalesce(excluded.session, session), location = excluded.location,
           left_during_evaluation = CASE WHEN @left THEN 1 WHEN @consumed THEN 0 ELSE left_during_evaluation END,
           reentry_approved = CASE WHEN @consumed THEN 0 ELSE reentry_approved END,
           room_entered_at = coalesce(room_entered_at, excluded.room_entered_at), updated_at = excluded.updated_at`,
    ).run({
      day: venueDay(at),
      person: d.person,
      session: d.session,
      location: d.location,
      left: d.leftDuringEvaluation ? 1 : 0,
      consumed: d.reentryConsumed ? 1 : 0,
      roomAt: d.roomEntry ? at : null,
      at,
    });
  }
}

interface RosterRow {
  person: string;
  role: string;
  days: string;
  from_min: number;
  to_min: number;
  all_rooms: number;
}

const toRoster = (r: RosterRow): RosterEntry => ({
  person: r.person,
  role: r.role,
  days: JSON.parse(r.days),
  fromMin: r.from_min,
  toMin: r.to_min,
  allRooms: r.all_rooms === 1,
});

const toPresence = (r: PresenceRow): Presence => ({
  person: r.person,
  session: r.session,
  location: r.location as Location | 'unknown',
  leftDuringEvaluation: r.left_during_evaluation === 1,
  reentryApproved: r.reentry_approved === 1,
  roomEnteredAt: r.room_entered_at,
  windowAlarmed: r.window_alarmed === 1,
});
