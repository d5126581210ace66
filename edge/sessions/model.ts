import { type Static, Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';

/**
 * Evaluation session (评标活动) lifecycle. `cancelled` ends a session that never ran (the platform withdrew it);
 * `suspended` ⇄ `in-progress` may repeat.
 */
export const SESSION_STATES = [
  'scheduled',
  'checkin-open',
  'in-progress',
  'suspended',
  'completed',
  'archived',
  'cancelled',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export const TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  scheduled: ['checkin-open', 'cancelled'],
  'checkin-open': ['in-progress', 'cancelled'],
  'in-progress': ['suspended', 'completed'],
  suspended: ['in-progress', 'completed'],
  completed: ['archived'],
  archived: [],
  cancelled: [],
};

/** States in which the session's people belong in the zone today. */
export const LIVE_STATES: readonly SessionState[] = ['scheduled', 'checkin-open', 'in-progress', 'suspended'];

export const STAFF_ROLES = ['witness', 'supervisor', 'agent', 'staff'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Pseudonymous ids only: the expert-draw system's id, never a name or an ID-card number. */
const Pseudonym = T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$', description: 'pseudonymous person id' });
const Id = T.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const VenueId = T.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'venue id' });
const When = T.Union([
  T.Integer({ minimum: 0, description: 'milliseconds since the epoch' }),
  T.String({
    description: 'ISO 8601 with offset, or "YYYY-MM-DD HH:mm[:ss]" in venue time (Asia/Shanghai)',
  }),
]);

export const ExpertInput = T.Object({ pseudonym: Pseudonym, seat: T.Optional(Id) }, { additionalProperties: false });
export const StaffInput = T.Object({ id: Pseudonym, role: StringEnum(STAFF_ROLES) }, { additionalProperties: false });

/** One session as the city platform, a file or an administrator describes it. */
export const SessionInput = T.Object(
  {
    /** Stable id; defaults to the transaction code. Re-importing the same id updates the session. */
    id: T.Optional(T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' })),
    transactionCode: T.String({ minLength: 1, maxLength: 64, description: '交易标识码' }),
    project: T.Object(
      { code: T.String({ minLength: 1, maxLength: 64 }), name: T.String({ minLength: 1, maxLength: 300 }) },
      { additionalProperties: false },
    ),
    room: Id,
    start: When,
    end: When,
    experts: T.Array(ExpertInput, { maxItems: 200 }),
    staff: T.Optional(T.Array(StaffInput, { maxItems: 200 })),
    /**
     * 远程异地: `hostVenue` (and `hostRoom`) — hosted at another venue, these experts seated here; or `guests` —
     * hosted here, with guest rooms at other venues (their experts are theirs to check in).
     */
    remote: T.Optional(
      T.Object(
        {
          hostVenue: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
          hostRoom: T.Optional(T.String({ maxLength: 64 })),
          guests: T.Optional(
            T.Array(T.Object({ venue: VenueId, room: Id }, { additionalProperties: false }), {
              minItems: 1,
              maxItems: 8,
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SessionInput = Static<typeof SessionInput>;

export interface Expert {
  pseudonym: string;
  seat: string | null;
}
export interface Staff {
  id: string;
  role: StaffRole;
}
export interface Checkin {
  pseudonym: string;
  seat: string | null;
  badge: string | null;
  locker: { bank: string; compartment: number } | null;
  method: string;
  at: number;
  seq: number;
}

/** A guest room of a remote session hosted here: the venue and its room. */
export interface GuestRoom {
  venue: string;
  room: string;
}

/**
 * 远程异地: this venue seats the experts of a session hosted at `hostVenue`, or it hosts the session and its guest
 * rooms are at other venues (`guests`). The same session id at every venue.
 */
export type SessionRemote = { hostVenue: string; hostRoom: string | null } | { guests: GuestRoom[] };

/** The guest rooms of a session hosted here (none for a local session or one hosted elsewhere). */
export const guestRoomsOf = (remote: SessionRemote | null): GuestRoom[] =>
  remote && 'guests' in remote ? remote.guests : [];

export interface EvaluationSession {
  id: string;
  transactionCode: string;
  project: { code: string; name: string };
  room: string;
  start: number;
  end: number;
  state: SessionState;
  remote: SessionRemote | null;
  experts: Expert[];
  staff: Staff[];
  checkins: Checkin[];
  source: string;
  updatedAt: number;
  updatedBy: string | null;
}

/** The definition part of a session as recorded in `session.scheduled` and compared on re-import. */
export interface SessionDefinition {
  transactionCode: string;
  project: { code: string; name: string };
  room: string;
  start: number;
  end: number;
  remote: SessionRemote | null;
}

/** China has one offset all year (no DST); the venue schema fixes the timezone to Asia/Shanghai. */
export const VENUE_UTC_OFFSET_MS = 8 * 3600_000;

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Parses a session time; local times without an offset are venue time. Returns null if it is no time. */
export function parseWhen(value: number | string): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  const local = LOCAL_TIME.exec(value.trim());
  if (local) {
    const [y, mo, d, h, mi, s] = local.slice(1).map((part) => Number(part ?? 0)) as number[];
    const utc = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
    // Date.UTC rolls 2024-02-31 over into March: only a time that reads back the same is a real one.
    if (utc.getUTCMonth() !== mo! - 1 || utc.getUTCDate() !== d! || h! > 23 || mi! > 59 || s! > 59) return null;
    return utc.getTime() - VENUE_UTC_OFFSET_MS;
  }
  if (!/[zZ]|[+-]\d{2}:?\d{2}$/.test(value)) return null; // an ISO time without an offset is ambiguous
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

let lastDay = { from: 0, to: 0, day: '' };

/** The venue-time day (YYYY-MM-DD) an instant falls on. Remembers the last day: the hot paths ask all day long. */
export function venueDay(at: number): string {
  if (at >= lastDay.from && at < lastDay.to) return lastDay.day;
  const day = new Date(at + VENUE_UTC_OFFSET_MS).toISOString().slice(0, 10);
  const from = Date.parse(`${day}T00:00:00Z`) - VENUE_UTC_OFFSET_MS;
  lastDay = { from, to: from + 86_400_000, day };
  return day;
}

/** [start, end) of a venue-time day in epoch milliseconds, or null if `day` is not YYYY-MM-DD. */
export function dayBounds(day: string): [number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - VENUE_UTC_OFFSET_MS;
  if (Number.isNaN(start) || venueDay(start) !== day) return null;
  return [start, start + 86_400_000];
}
