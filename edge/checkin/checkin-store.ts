import { createHmac } from 'node:crypto';
import type { Venue } from '../../config/schema.ts';
import { venueDay } from '../sessions/model.ts';
import { type Db, migrate } from '../store/database.ts';
import type { EventLog, TypedEvent } from '../store/event-log.ts';
import { preparedCache } from '../store/prepared.ts';

const migrations = [
  {
    version: 1,
    sql: `
      -- Keyed hashes of ID-card numbers, so a card read finds the pseudonym; the number itself is never kept.
      CREATE TABLE checkin_id_cards (id_hash TEXT PRIMARY KEY, pseudonym TEXT NOT NULL);
      -- Badges and locker compartments handed out, per venue day: a projection of checkin.accepted (and of
      -- checkin.released, which hands them back: badge and locker become NULL).
      CREATE TABLE checkin_assignments (
        day TEXT NOT NULL, pseudonym TEXT NOT NULL, session TEXT NOT NULL,
        badge TEXT, locker_bank TEXT, locker_compartment INTEGER, seq INTEGER NOT NULL,
        PRIMARY KEY (day, session, pseudonym)
      );
      CREATE INDEX checkin_assignments_day ON checkin_assignments (day);
    `,
  },
];

/** 18-character resident ID number (the last may be X). */
export const ID_NUMBER = /^[0-9]{17}[0-9X]$/;

/**
 * ID-card number → pseudonym, holding only an HMAC of the number under the venue's key (ID numbers have too
 * little entropy for a plain hash). The expert-draw system registers each drawn expert's number here.
 */
export class IdCardDirectory {
  private readonly sql: ReturnType<typeof preparedCache>;

  constructor(
    db: Db,
    private readonly key: Buffer,
  ) {
    migrate(db, 'checkin', migrations);
    this.sql = preparedCache(db);
  }

  hash(idNumber: string): string {
    return createHmac('sha256', this.key).update(idNumber.trim().toUpperCase()).digest('hex');
  }

  register(pseudonym: string, idNumber: string): void {
    if (!ID_NUMBER.test(idNumber.trim().toUpperCase())) {
      throw new Error('idNumber: must be 17 digits followed by a digit or X');
    }
    this.sql(
      'INSERT INTO checkin_id_cards (id_hash, pseudonym) VALUES (?, ?) ON CONFLICT DO UPDATE SET pseudonym = excluded.pseudonym',
    ).run(this.hash(idNumber), pseudonym);
  }

  pseudonymOf(idHash: string): string | null {
    const row = this.sql('SELECT pseudonym FROM checkin_id_cards WHERE id_hash = ?').get(idHash) as
      | { pseudonym: string }
      | undefined;
    return row?.pseudonym ?? null;
  }
}

export interface LockerCompartment {
  bank: string;
  compartment: number;
}

/** A badge and locker compartment a checked-in person holds until check-out or the session's end. */
export interface HeldAssignment {
  session: string;
  pseudonym: string;
  badge: string | null;
  locker: LockerCompartment | null;
}

const HELD_COLUMNS = 'session, pseudonym, badge, locker_bank, locker_compartment';
interface HeldRow {
  session: string;
  pseudonym: string;
  badge: string | null;
  locker_bank: string | null;
  locker_compartment: number | null;
}
const toHeld = (r: HeldRow): HeldAssignment => ({
  session: r.session,
  pseudonym: r.pseudonym,
  badge: r.badge,
  locker: r.locker_bank === null ? null : { bank: r.locker_bank, compartment: r.locker_compartment ?? 0 },
});

/**
 * Hands out location badges and phone-locker compartments: the lowest one nobody checked in today holds.
 * What is held is projected from `checkin.accepted` and `checkin.released`, so a restart or a replay gives the
 * same answer.
 */
export class Allocator {
  private readonly sql: ReturnType<typeof preparedCache>;
  private readonly badges: string[];
  private readonly lockers: LockerCompartment[];

  constructor(db: Db, log: EventLog, venue: Venue) {
    migrate(db, 'checkin', migrations);
    this.sql = preparedCache(db);
    const width = Math.max(2, String(venue.badges.count).length);
    this.badges = Array.from(
      { length: venue.badges.count },
      (_, i) => `${venue.badges.prefix}${String(i + 1).padStart(width, '0')}`,
    );
    this.lockers = venue.devices
      .filter((d) => d.kind === 'locker')
      .flatMap((d) => Array.from({ length: d.compartments ?? 0 }, (_, i) => ({ bank: d.id, compartment: i + 1 })));
    log.addProjection((e) => this.project(e));
  }

  /** The next free badge and compartment today; null where every one is taken. */
  next(at: number): { badge: string | null; locker: LockerCompartment | null } {
    const day = venueDay(at);
    const rows = this.sql('SELECT badge, locker_bank, locker_compartment FROM checkin_assignments WHERE day = ?').all(
      day,
    ) as { badge: string | null; locker_bank: string | null; locker_compartment: number | null }[];
    const badgesHeld = new Set(rows.map((r) => r.badge));
    const lockersHeld = new Set(rows.map((r) => `${r.locker_bank}#${r.locker_compartment}`));
    return {
      badge: this.badges.find((b) => !badgesHeld.has(b)) ?? null,
      locker: this.lockers.find((l) => !lockersHeld.has(`${l.bank}#${l.compartment}`)) ?? null,
    };
  }

  /** What people checked in to the session still hold (badge or locker), oldest check-in first. */
  heldIn(session: string): HeldAssignment[] {
    return (
      this.sql(
        `SELECT ${HELD_COLUMNS} FROM checkin_assignments
         WHERE session = ? AND (badge IS NOT NULL OR locker_bank IS NOT NULL) ORDER BY seq`,
      ).all(session) as HeldRow[]
    ).map(toHeld);
  }

  /** What a person holds: in the given session, or from their latest check-in today; null when nothing. */
  heldBy(pseudonym: string, at: number, session?: string): HeldAssignment | null {
    const row = this.sql(
      `SELECT ${HELD_COLUMNS} FROM checkin_assignments
       WHERE pseudonym = ? AND ${session ? 'session' : 'day'} = ? AND (badge IS NOT NULL OR locker_bank IS NOT NULL)
       ORDER BY seq DESC LIMIT 1`,
    ).get(pseudonym, session ?? venueDay(at)) as HeldRow | undefined;
    return row ? toHeld(row) : null;
  }

  private project(e: TypedEvent): void {
    if (e.type === 'checkin.released' && e.session) {
      this.sql(
        `UPDATE checkin_assignments SET badge = NULL, locker_bank = NULL, locker_compartment = NULL, seq = ?
         WHERE session = ? AND pseudonym = ?`,
      ).run(e.seq, e.session, e.data.pseudonym);
      return;
    }
    if (e.type !== 'checkin.accepted' || !e.session) return;
    const d = e.data;
    this.sql(
      `INSERT INTO checkin_assignments (day, pseudonym, session, badge, locker_bank, locker_compartment, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET badge = excluded.badge,
         locker_bank = excluded.locker_bank, locker_compartment = excluded.locker_compartment, seq = excluded.seq`,
    ).run(
      venueDay(e.at),
      d.pseudonym,
      e.session,
      d.badge,
      d.locker?.bank ?? null,
      d.locker?.compartment ?? null,
      e.seq,
    );
  }
}
