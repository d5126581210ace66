import { EventEmitter } from 'node:events';
import type { EventLog, LoggedEvent, TypedEvent } from '../store/event-log.ts';
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
  /**
   * When the holder checked out while the badge was inside the evaluation zone, or null. Such a badge stays
   * bound to them (they still carry it) until it leaves the zone or is returned.
   */
  checkedOutAt: number | null;
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
  /** Checked out with the badge still inside the zone: stays bound, marked. */
  checkedOut?: BadgeBinding;
}

/** What an event means for the badges: a binding, a release, or nothing. */
function interpret(
  e: TypedEvent,
  current: (badge: string) => BadgeBinding | undefined,
  byPerson: (person: string, session: string | null) => BadgeBinding | undefined,
  inZone: (badge: string) => boolean,
): Change {
  switch (e.type) {
    case 'checkin.accepted':
    case 'tracking.badge-assigned': {
      const { badge } = e.data;
      if (!badge) return {};
      const bound: BadgeBinding = {
        badge,
        ...(e.type === 'checkin.accepted'
          ? { person: e.data.pseudonym, role: 'expert', room: e.data.room ?? null }
          : { person: e.data.person, role: e.data.role, room: null }),
        session: e.session,
        since: e.at,
        checkedOutAt: null,
      };
      return { bound, released: current(badge) };
    }
    case 'tracking.badge-released': {
      const held = current(e.data.badge);
      return held ? { released: held } : {};
    }
    case 'checkin.released': {
      const held = e.data.badge ? current(e.data.badge) : byPerson(e.data.pseudonym, e.session);
      if (!held) return {};
      // Check-out is paperwork, not the badge coming back: whoever is still inside keeps carrying it.
      if (inZone(held.badge)) return held.checkedOutAt === null ? { checkedOut: { ...held, checkedOutAt: e.at } } : {};
      return { released: held };
    }
    default:
      return {};
  }
}

/**
 * Badge → person, kept from the record: `checkin.accepted` (data.badge, actor/pseudonym, session) binds,
 * `tracking.badge-released` releases, `tracking.badge-assigned` gives staff a badge. `checkin.released`
 * (check-out) releases a badge outside the evaluation zone (`inZone`, the fences' view when the event is
 * appended); one still inside stays bound, marked `checkedOutAt`, until the tracking service releases it when
 * it leaves the zone. Emits `bound` and `released` after the event is committed.
 */
export class BadgeBindings extends EventEmitter<{ bound: [BadgeBinding]; released: [BadgeBinding, LoggedEvent] }> {
  private readonly current = new Map<string, BadgeBinding>();

  constructor(
    private readonly log: EventLog,
    inZone: (badge: string) => boolean = () => false,
  ) {
    super();
    migrateTracking(log.db);
    const db = log.db;
    const columns = 'badge, person, role, session, room, since, checked_out_at AS checkedOutAt';
    for (const r of db.prepare(`SELECT ${columns} FROM tracking_badges`).all() as BadgeBinding[])
      this.current.set(r.badge, r);
    const upsert = db.prepare(
      `INSERT INTO tracking_badges (badge, person, role, session, room, since) VALUES (@badge, @person, @role, @session, @room, @since)
       ON CONFLICT (badge) DO UPDATE SET person = excluded.person, role = excluded.role, session = excluded.session,
         room = excluded.room, since = excluded.since, checked_out_at = NULL`,
    );
    const remove = db.prepare('DELETE FROM tracking_badges WHERE badge = ?');
    const open = db.prepare(
      'INSERT INTO tracking_badge_history (badge, person, session, from_at) VALUES (@badge, @person, @session, @since)',
    );
    const close = db.prepare('UPDATE tracking_badge_history SET to_at = ? WHERE badge = ? AND to_at IS NULL');
    const checkOut = db.prepare('UPDATE tracking_badges SET checked_out_at = ? WHERE badge = ?');
    const rowOf = (badge: string) =>
      db.prepare(`SELECT ${columns} FROM tracking_badges WHERE badge = ?`).get(badge) as BadgeBinding | undefined;
    const rowByPerson = (person: string, session: string | null) =>
      db
        .prepare(`SELECT ${columns} FROM tracking_badges WHERE person = ? AND (? IS NULL OR session = ?)`)
        .get(person, session, session) as BadgeBinding | undefined;
    // The tables follow the record inside the append transaction; memory follows after the commit.
    log.addProjection((e) => {
      const change = interpret(e, rowOf, rowByPerson, inZone);
      if (change.checkedOut) checkOut.run(change.checkedOut.checkedOutAt, change.checkedOut.badge);
      if (change.released) {
        close.run(e.at, change.released.badge);
        remove.run(change.released.badge);
      }
      if (change.bound) {
        upsert.run(change.bound);
        open.run(change.bound);
      }
    });
    log.onAppended(BINDING_EVENTS, (e) => {
      const change = interpret(
        e,
        (b) => this.current.get(b),
        (p, s) => [...this.current.values()].find((b) => b.person === p && (s === null || b.session === s)),
        inZone,
      );
      if (change.checkedOut) this.current.set(change.checkedOut.badge, change.checkedOut);
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
