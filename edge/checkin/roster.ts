import type { Admission } from '../sessions/late-arrivals.ts';
import { venueDay } from '../sessions/model.ts';
import type { SessionService } from '../sessions/session-service.ts';

/** Where an expert belongs today, as check-in needs it. Pseudonymous: no names, no ID-card numbers. */
export interface RosterEntry {
  pseudonym: string;
  session: string;
  room: string;
  seat: string | null;
  /** Check-in is open for the session now (opened, and the session has not ended). */
  checkinOpen: boolean;
  /** When the expert already checked in to this session, or null. */
  checkedInAt: number | null;
  /** Against the late-entry rule: a `held` expert waits at the terminal for a witness's decision. */
  admission: Admission;
}

/**
 * Today's roster, as the sessions module keeps it (edge/sessions implements it through `SessionRoster`).
 * ID-card numbers are never looked up in the clear: only their keyed hash (see IdCardDirectory).
 */
export interface RosterLookup {
  findByPseudonym(pseudonym: string, at: number): RosterEntry | null;
  findByIdNumberHash(idHash: string, at: number): RosterEntry | null;
}

/** States in which a session takes check-ins. */
const CHECKIN_STATES = ['checkin-open', 'in-progress', 'suspended'];

/** The roster from the sessions module; ID-card hashes resolve to pseudonyms through `pseudonymOf`. */
export class SessionRoster implements RosterLookup {
  constructor(
    private readonly sessions: SessionService,
    private readonly pseudonymOf: (idHash: string) => string | null,
  ) {}

  findByPseudonym(pseudonym: string, at: number): RosterEntry | null {
    const found = this.sessions.findExpertToday(pseudonym, at);
    if (!found) return null;
    const { session, seat } = found;
    return {
      pseudonym,
      session: session.id,
      room: session.room,
      seat,
      checkinOpen: CHECKIN_STATES.includes(session.state) && at < session.end,
      checkedInAt: this.sessions.checkinOf(session.id, pseudonym)?.at ?? null,
      admission: this.sessions.admissionOf(session, pseudonym, at),
    };
  }

  findByIdNumberHash(idHash: string, at: number): RosterEntry | null {
    const pseudonym = this.pseudonymOf(idHash);
    return pseudonym ? this.findByPseudonym(pseudonym, at) : null;
  }
}

/** A roster held in memory, for tests and tools: entries are per venue day. */
export class InMemoryRoster implements RosterLookup {
  private readonly entries: (RosterEntry & { day: string; idHash?: string })[] = [];

  add(
    entry: Omit<RosterEntry, 'checkedInAt' | 'admission'> &
      Partial<Pick<RosterEntry, 'checkedInAt' | 'admission'>> & { idHash?: string },
    at = Date.now(),
  ) {
    this.entries.push({ checkedInAt: null, admission: 'on-time', ...entry, day: venueDay(at) });
  }

  markCheckedIn(pseudonym: string, at: number): void {
    for (const e of this.entries) if (e.pseudonym === pseudonym && e.day === venueDay(at)) e.checkedInAt = at;
  }

  findByPseudonym(pseudonym: string, at: number): RosterEntry | null {
    return this.pick((e) => e.pseudonym === pseudonym, at);
  }

  findByIdNumberHash(idHash: string, at: number): RosterEntry | null {
    return this.pick((e) => e.idHash === idHash, at);
  }

  private pick(match: (e: RosterEntry & { idHash?: string }) => boolean, at: number): RosterEntry | null {
    const found = this.entries.find((e) => e.day === venueDay(at) && match(e));
    if (!found) return null;
    const { day: _day, idHash: _idHash, ...entry } = found;
    return entry;
  }
}
