import { EventEmitter } from 'node:events';
import type { EventLog, LoggedEvent } from '../store/event-log.ts';
import { migrateTracking } from './schema.ts';

/** Who carries a badge: an expert bound at check-in, or staff given one at the desk. Pseudonymous ids only. */
export interface BadgeBinding {
  badge: string;
  person: string;
  role: 'expert' | 'staff';
  session: string | null;
  /** The room bound to the session, when check-in said so (else the session's room is looked up). */
  room: string | null;
  since: number;
}

export interface BindingHistory {
  badge: string;
  person: string;
  session: string | null;
  from: number;
  to: number | null;
}

/** Events that bind or release a badge; the bindings are their projection. */
export const BINDING_EVENTS = [
  'checkin.accepted',
  'checkin.released',
  'tracking.badge-assigned',
  'tracking.badge-released',
] as const;

interface Change {
  bound?: BadgeBinding;
  released?: BadgeBinding;
}

/** What an event means for the badges: a binding, a release, or nothing. */
function interpret(
  e: LoggedEvent,
  current: (badge: string) => BadgeBinding | undefined,
  byPerson: (person: string, session: string | null) => BadgeBinding | undefined,
): Change {
  const d = e.data as {
    badge?: string | null;
    pseudonym?: string;
    person?: string;
    room?: string | null;
    role?: string;
  };
  switch (e.type) {
    case 'checkin.accepted': {
      const person = d.pseudonym ?? e.actor;
      if (!d.badge || !person) return {};
      const bound: BadgeBinding = {
        badge: d.badge,
        person,
        role: 'expert',
        session: e.session,
        room: d.room ?? null,
        since: e.at,
      };
      return { bound, released: current(d.badge) };
    }
    case 'tracking.badge-assigned': {
      if (!d.badge || !d.person) return {};
      const bound: BadgeBinding = {
        badge: d.badge,
        person: d.person,
        role: d.role === 'expert' ? 'expert' : 'staff',
        session: e.session,
        room: d.room ?? null,
        since: e.at,
      };
      return { bound, released: current(d.badge) };
    }
    case 'checkin.released':
    case 'tracking.badge-released': {
      const held = d.badge ? current(d.badge) : byPerson(d.pseudonym ?? d.person ?? e.actor ?? '', e.session);
      return held ? { released: held } : {};
    }
    default:
      return {};
  }
}

/**
 * Badge → person, kept from the record: `checkin.accepted` (data.badge, actor/pseudonym, session) binds,
 * `checkin.released` or `tracking.badge-released` releases, `tracking.badge-assigned` gives staff a badge.
 * Emits `bound` and `released` after the event is committed.
 */
export class BadgeBindings extends EventEmitter<{ bound: [BadgeBinding]; released: [BadgeBinding, LoggedEvent] }> {
  private readonly current = new Map<string, BadgeBinding>();

  constructor(private readonly log: EventLog) {
    super();
    migrateTracking(log.db);
    const db = log.db;
    for (const r of db.prepare('SELECT * FROM tracking_badges').all() as BadgeBinding[]) this.current.set(r.badge, r);
    const upsert = db.prepare(
      `INSERT INTO tracking_badges (badge, person, role, session, room, since) VALUES (@badge, @person, @role, @session, @room, @since)
       ON CONFLICT (badge) DO UPDATE SET person = excluded.person, role = excluded.role, session = excluded.session,
         room = excluded.room, since = excluded.since`,
    );
    const remove = db.prepare('DELETE FROM tracking_badges WHERE badge = ?');
    const open = db.prepare(
      'INSERT INTO tracking_badge_history (badge, person, session, from_at) VALUES (@badge, @person, @session, @since)',
    );
    const close = db.prepare('UPDATE tracking_badge_history SET to_at = ? WHERE badge = ? AND to_at IS NULL');
    const rowOf = (badge: string) =>
      db.prepare('SELECT * FROM tracking_badges WHERE badge = ?').get(badge) as BadgeBinding | undefined;
    const rowByPerson = (person: string, session: string | null) =>
      db
        .prepare('SELECT * FROM tracking_badges WHERE person = ? AND (? IS NULL OR session = ?)')
        .get(person, session, session) as BadgeBinding | undefined;
    // The tables follow the record inside the append transaction; memory follows after the commit.
    log.addProjection((e) => {
      const change = interpret(e, rowOf, rowByPerson);
      if (change.released) {
        close.run(e.at, change.released.badge);
        remove.run(change.released.badge);
      }
      if (change.bound) {
        upsert.run(change.bound);
        open.run(change.bound);
      }
    });
    log.on('appended', (e) => {
      if (!(BINDING_EVENTS as readonly string[]).includes(e.type)) return;
      const change = interpret(
        e,
        (b) => this.current.get(b),
        (p, s) => [...this.current.values()].find((b) => b.person === p && (s === null || b.session === s)),
      );
      if (change.released) {
        this.current.delete(change.released.badge);
        this.emit('released', change.released, e);
      }
      if (change.bound) {
        this.current.set(change.bound.badge, change.bound);
        this.emit('bound', change.bound);
      }
    });
  }

  get(badge: string): BadgeBinding | undefined {
    return this.current.get(badge);
  }

  list(): BadgeBinding[] {
    return [...this.current.values()];
  }

  all(): Iterable<BadgeBinding> {
    return this.current.values();
  }

  /** Which badges a person carried, and when: for replaying a person's trajectory. */
  historyOf(person: string, from: number, to: number): BindingHistory[] {
    return this.log.db
      .prepare(
        `SELECT badge, person, session, from_at AS "from", to_at AS "to" FROM tracking_badge_history
         WHERE person = ? AND from_at < ? AND (to_at IS NULL OR to_at > ?) ORDER BY from_at`,
      )
      .all(person, to, from) as BindingHistory[];
  }
}
