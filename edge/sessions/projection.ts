import type { Db } from '../store/database.ts';
import type { Projection } from '../store/event-log.ts';
import { preparedCache } from '../store/prepared.ts';
import type { SessionDefinition, SessionRemote } from './model.ts';

/** Current-state tables of module `sessions`, rebuilt from `session.*` and `checkin.accepted` events. */
export const migrations = [
  {
    version: 1,
    sql: `
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY, transaction_code TEXT NOT NULL, project_code TEXT NOT NULL, project_name TEXT NOT NULL,
        room TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, state TEXT NOT NULL,
        remote_host TEXT, remote_room TEXT, source TEXT NOT NULL, updated_at INTEGER NOT NULL, updated_by TEXT);
      CREATE INDEX sessions_window ON sessions (starts_at, ends_at);
      CREATE INDEX sessions_room ON sessions (room, starts_at);
      CREATE TABLE session_experts (
        session TEXT NOT NULL REFERENCES sessions (id), pseudonym TEXT NOT NULL, seat TEXT,
        PRIMARY KEY (session, pseudonym));
      CREATE INDEX session_experts_person ON session_experts (pseudonym);
      CREATE TABLE session_staff (
        session TEXT NOT NULL REFERENCES sessions (id), person TEXT NOT NULL, role TEXT NOT NULL,
        PRIMARY KEY (session, person));
      CREATE TABLE session_checkins (
        session TEXT NOT NULL REFERENCES sessions (id), pseudonym TEXT NOT NULL, seat TEXT, badge TEXT,
        locker_bank TEXT, locker_compartment INTEGER, method TEXT NOT NULL, at INTEGER NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (session, pseudonym));
      CREATE INDEX session_checkins_badge ON session_checkins (badge);
    `,
  },
  {
    version: 2,
    sql: `
      -- A witness's decision on a late arrival (session.late-arrival-decided); the latest one stands.
      CREATE TABLE session_late_decisions (
        session TEXT NOT NULL REFERENCES sessions (id), pseudonym TEXT NOT NULL, approved INTEGER NOT NULL,
        by TEXT NOT NULL, at INTEGER NOT NULL, note TEXT, PRIMARY KEY (session, pseudonym));
    `,
  },
  {
    version: 3,
    sql: `
      -- A remote session hosted here: its guest rooms at other venues (JSON [{venue, room}]).
      ALTER TABLE sessions ADD COLUMN remote_guests TEXT;
    `,
  },
];

/** The columns a session's remote block is kept in (in the order of the table). */
function remoteColumns(v: SessionRemote | null) {
  return {
    remote_host: v && 'hostVenue' in v ? v.hostVenue : null,
    remote_room: v && 'hostVenue' in v ? v.hostRoom : null,
    remote_guests: v && 'guests' in v ? JSON.stringify(v.guests) : null,
  };
}

export function sessionProjection(db: Db): Projection {
  const sql = preparedCache(db);
  const touch = sql('UPDATE sessions SET updated_at = ?, updated_by = ? WHERE id = ?');
  const upsertExpert = sql(
    'INSERT INTO session_experts (session, pseudonym, seat) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET seat = excluded.seat',
  );
  const upsertStaff = sql(
    'INSERT INTO session_staff (session, person, role) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET role = excluded.role',
  );
  const columns: Record<keyof SessionDefinition, (v: never) => Record<string, unknown>> = {
    transactionCode: (v: string) => ({ transaction_code: v }),
    project: (v: { code: string; name: string }) => ({ project_code: v.code, project_name: v.name }),
    room: (v: string) => ({ room: v }),
    start: (v: number) => ({ starts_at: v }),
    end: (v: number) => ({ ends_at: v }),
    remote: (v: SessionRemote | null) => remoteColumns(v),
  };

  return (e) => {
    if (!e.session) return;
    const id = e.session;
    switch (e.type) {
      case 'session.scheduled': {
        const d = e.data;
        sql(
          `INSERT INTO sessions (id, transaction_code, project_code, project_name, room, starts_at, ends_at, state,
             remote_host, remote_room, remote_guests, source, updated_at, updated_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?, ?, ?)`,
        ).run(
          id,
          d.transactionCode,
          d.project.code,
          d.project.name,
          d.room,
          d.start,
          d.end,
          ...Object.values(remoteColumns(d.remote)),
          d.source,
          e.at,
          e.actor,
        );
        return;
      }
      case 'session.updated': {
        const set: Record<string, unknown> = {};
        // The schema leaves `to` open (it is whichever field changed); the session service wrote it from a checked definition.
        for (const [field, change] of Object.entries(e.data.changes))
          Object.assign(set, columns[field as keyof SessionDefinition](change.to as never));
        const assignments = Object.keys(set).map((c) => `${c} = @${c}`);
        if (assignments.length) sql(`UPDATE sessions SET ${assignments.join(', ')} WHERE id = @id`).run({ ...set, id });
        break;
      }
      case 'session.state-changed':
        sql('UPDATE sessions SET state = ? WHERE id = ?').run(e.data.to, id);
        break;
      case 'session.experts-authorised':
        for (const x of e.data.experts) upsertExpert.run(id, x.pseudonym, x.seat);
        break;
      case 'session.experts-revoked':
        for (const p of e.data.pseudonyms)
          sql('DELETE FROM session_experts WHERE session = ? AND pseudonym = ?').run(id, p);
        break;
      case 'session.staff-assigned':
        for (const s of e.data.staff) upsertStaff.run(id, s.id, s.role);
        break;
      case 'session.staff-removed':
        for (const p of e.data.ids) sql('DELETE FROM session_staff WHERE session = ? AND person = ?').run(id, p);
        break;
      case 'session.late-arrival-decided': {
        const d = e.data;
        sql(
          `INSERT INTO session_late_decisions (session, pseudonym, approved, by, at, note) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT DO UPDATE SET approved = excluded.approved, by = excluded.by, at = excluded.at, note = excluded.note`,
        ).run(id, d.pseudonym, d.approved ? 1 : 0, e.actor, e.at, d.note);
        return; // a decision about one person, not a change to the session's definition
      }
      case 'checkin.accepted': {
        const d = e.data;
        // Check-in of a session this venue does not know stays in the record but has nothing to project onto.
        if (!sql('SELECT 1 FROM sessions WHERE id = ?').get(id)) return;
        sql(
          `INSERT INTO session_checkins (session, pseudonym, seat, badge, locker_bank, locker_compartment, method, at, seq)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET seat = excluded.seat, badge = excluded.badge, locker_bank = excluded.locker_bank,
             locker_compartment = excluded.locker_compartment, method = excluded.method, at = excluded.at, seq = excluded.seq`,
        ).run(
          id,
          d.pseudonym,
          d.seat,
          d.badge,
          d.locker?.bank ?? null,
          d.locker?.compartment ?? null,
          e.method ?? 'unknown',
          e.at,
          e.seq,
        );
        return; // a check-in is not a change to the session's definition
      }
      default:
        return;
    }
    touch.run(e.at, e.actor, id);
  };
}
