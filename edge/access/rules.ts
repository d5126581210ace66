import type { AlarmKind } from '../alerts/alarm-kinds.ts';
import type { AlarmLevel } from '../alerts/alarms.ts';
import { dayBounds, type EvaluationSession, VENUE_UTC_OFFSET_MS, venueDay } from '../sessions/model.ts';
import type { SessionService } from '../sessions/session-service.ts';
import type { AccessMode, AccessStore, PassageData, Presence } from './access-store.ts';
import type { AccessTopology, Direction, Movement } from './topology.ts';

export type CredentialType = 'face' | 'id-card' | 'badge' | 'staff-card';
export interface Credential {
  type: CredentialType;
  value: string;
}

export type Person =
  | { kind: 'expert'; id: string; session: EvaluationSession; seat: string | null }
  | {
      kind: 'staff';
      id: string;
      role: string;
      session: EvaluationSession | null;
      rooms: Set<string> | 'all';
      until: number;
    }
  /** Known staff outside their role's hours or their session's window. */
  | { kind: 'off-duty'; id: string }
  | { kind: 'visitor'; id: null };

export interface AccessOptions {
  /** How long after check-in an expert may first open their room door. */
  entryWindowMs: number;
  /** Session staff may pass from this long before the session starts … */
  staffLeadMs: number;
  /** … until this long after it ends. */
  staffGraceMs: number;
}

export const DEFAULT_ACCESS_OPTIONS: AccessOptions = {
  entryWindowMs: 5 * 60_000,
  staffLeadMs: 60 * 60_000,
  staffGraceMs: 60 * 60_000,
};

/** Why a door opened or stayed shut; every decision in the record names one. */
export const REASONS = {
  'checked-in': '已签到专家',
  'reentry-approved': '见证人已批准再次进入',
  'session-room': '本场评标室',
  'staff-role': '工作人员（角色与排班）',
  'free-exit': '自由出门',
  'fire-open': '消防联动开门',
  visitor: '访客不得进入评标区',
  'not-authorised-today': '今日无评标任务',
  'session-not-open': '评标活动未开放',
  'not-checked-in': '未签到',
  'phone-not-deposited': '手机未存放',
  'reentry-needs-witness': '评标期间离开评标区，须见证人批准',
  'anti-passback': '防潜回',
  'not-in-zone': '不在评标区内',
  'wrong-room': '非本场评标室',
  'entry-window-expired': '签到后未在规定时间内进入评标室',
  'outside-schedule': '不在排班时间内',
  'not-this-room': '无权进入该评标室',
  'unknown-door': '未配置的门',
} as const;
export type Reason = keyof typeof REASONS;

/** What the rules need to know about a person, when the caller has it at hand. */
export interface KnownFacts {
  person: Person;
  presence: Presence | null;
  deposited: boolean;
}

export interface Decision {
  granted: boolean;
  reason: Reason;
  person: Person;
  movement: Movement | null;
  /** Where the person is after passing, and what that changes (for the presence projection). */
  passage: PassageData;
  /** Until when this grant holds (for the gates' allow-list). */
  until: number;
  alarm?: { kind: AlarmKind; level: AlarmLevel; details: Record<string, unknown> };
}

const LIVE = new Set(['checkin-open', 'in-progress', 'suspended']);

/** A rule's answer before it becomes a Decision. */
interface Verdict {
  granted: boolean;
  reason: Reason;
  until?: number;
  passage?: Partial<PassageData>;
  alarm?: Decision['alarm'];
}

function grant(reason: Reason, until: number, passage?: Partial<PassageData>): Verdict {
  return { granted: true, reason, until, passage };
}

function deny(reason: Reason, alarm?: Decision['alarm']): Verdict {
  return { granted: false, reason, alarm };
}

/**
 * The access rules, as a pure function of the request and the current record: they decide, they do not record.
 * The service records the decision and raises its alarm; the allow-list builder asks the same rules for each person.
 */
export class AccessRules {
  constructor(
    private readonly topology: AccessTopology,
    private readonly sessions: SessionService,
    private readonly store: AccessStore,
    readonly options: AccessOptions,
  ) {}

  resolve(credential: Credential, at: number): Person {
    if (credential.type === 'badge') {
      const held = this.sessions.findByBadge(credential.value, at);
      if (held) {
        const seat = held.session.experts.find((e) => e.pseudonym === held.pseudonym)?.seat ?? null;
        return { kind: 'expert', id: held.pseudonym, session: held.session, seat };
      }
      return { kind: 'visitor', id: null };
    }
    if (credential.type !== 'staff-card') {
      const expert = this.sessions.findExpertToday(credential.value, at);
      if (expert) return { kind: 'expert', id: credential.value, session: expert.session, seat: expert.seat };
    }
    return this.staffAuthority(credential.value, at);
  }

  /** Staff pass by role and schedule: session staff around their session, roster staff in their hours. */
  private staffAuthority(person: string, at: number): Person {
    const sessionRoles = this.sessions.findStaffToday(person, at);
    for (const { session, role } of sessionRoles) {
      const from = session.start - this.options.staffLeadMs;
      const until = session.end + this.options.staffGraceMs;
      if (at < from || at >= until) continue;
      const rooms = role === 'staff' ? new Set<string>() : new Set([session.room]);
      return { kind: 'staff', id: person, role, session, rooms, until };
    }
    const roster = this.store.rosterEntry(person);
    const offDuty: Person = { kind: 'off-duty', id: person };
    if (!roster) return sessionRoles.length ? offDuty : { kind: 'visitor', id: null };
    const local = new Date(at + VENUE_UTC_OFFSET_MS);
    const weekday = local.getUTCDay() || 7;
    const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
    if (!roster.days.includes(weekday) || minute < roster.fromMin || minute >= roster.toMin) return offDuty;
    const midnight = dayBounds(venueDay(at))![0];
    return {
      kind: 'staff',
      id: person,
      role: roster.role,
      session: null,
      rooms: roster.allRooms ? 'all' : new Set(),
      until: midnight + roster.toMin * 60_000,
    };
  }

  /**
   * Decides one passage. `known` carries facts the caller already has (the allow-list builder looks each
   * person up once for every door); anything missing is read from the record.
   */
  decide(
    deviceId: string,
    credential: Credential,
    direction: Direction,
    at: number,
    mode: AccessMode,
    known: Partial<KnownFacts> = {},
  ): Decision {
    const person = known.person ?? this.resolve(credential, at);
    const movement = this.topology.movement(deviceId, direction);
    const endOfDay = dayBounds(venueDay(at))![1];
    const verdict = this.judge(person, movement, at, mode, endOfDay, known);
    const session = person.kind === 'expert' || person.kind === 'staff' ? (person.session?.id ?? null) : null;
    return {
      granted: verdict.granted,
      reason: verdict.reason,
      person,
      movement,
      until: verdict.until ?? endOfDay,
      passage: { person: person.id, session, location: movement?.to ?? 'outside', ...verdict.passage },
      ...(verdict.alarm ? { alarm: verdict.alarm } : {}),
    };
  }

  // Plain objects, no closures per call: this runs for every request and for every door × person in a refresh.
  private judge(
    person: Person,
    movement: Movement | null,
    at: number,
    mode: AccessMode,
    endOfDay: number,
    known: Partial<KnownFacts>,
  ): Verdict {
    if (!movement) return deny('unknown-door');
    if (mode === 'fire-open') return grant('fire-open', endOfDay);
    switch (movement.kind) {
      case 'zone-exit': {
        // Leaving is always allowed; an expert who leaves after check-in can come back only with a witness.
        const checkedIn = person.kind === 'expert' && LIVE.has(person.session.state) && this.checkinAt(person) !== null;
        return grant('free-exit', endOfDay, { leftDuringEvaluation: checkedIn });
      }
      case 'room-exit':
      case 'outside':
        return grant('free-exit', endOfDay);
      case 'inside':
        if (person.kind === 'visitor') return deny('visitor');
        return person.kind === 'off-duty' ? deny('outside-schedule') : grant('staff-role', endOfDay);
    }
    if (person.kind === 'visitor') return deny('visitor');
    if (person.kind === 'off-duty') return deny('outside-schedule');
    const presence = 'presence' in known ? (known.presence ?? null) : this.store.presence(person.id, at);
    if (movement.kind === 'zone-entry') return this.zoneEntry(person, presence, known.deposited);
    return this.roomEntry(person, presence, movement.room!, at);
  }

  private zoneEntry(
    person: Person & { kind: 'expert' | 'staff' },
    presence: Presence | null,
    deposited: boolean | undefined,
  ): Verdict {
    const inside = presence && presence.location !== 'outside' && presence.location !== 'unknown';
    if (person.kind === 'staff') return inside ? deny('anti-passback') : grant('staff-role', person.until);
    const session = person.session;
    if (!LIVE.has(session.state)) return deny('session-not-open');
    if (this.checkinAt(person) === null) return deny('not-checked-in');
    let reentry = false;
    if (presence?.leftDuringEvaluation) {
      if (!presence.reentryApproved)
        return deny('reentry-needs-witness', {
          kind: 'reentry-attempt',
          level: 2,
          details: { session: session.id, room: session.room },
        });
      reentry = true;
    }
    if (inside) return deny('anti-passback');
    if (this.topology.lockerBanks.length > 0 && !(deposited ?? this.store.depositOf(person.id) !== null))
      return deny('phone-not-deposited', { kind: 'phone-not-deposited', level: 1, details: { session: session.id } });
    return grant(reentry ? 'reentry-approved' : 'checked-in', session.end, { reentryConsumed: reentry });
  }

  private roomEntry(
    person: Person & { kind: 'expert' | 'staff' },
    presence: Presence | null,
    room: string,
    at: number,
  ): Verdict {
    if (!presence || presence.location === 'outside') return deny('not-in-zone');
    if (person.kind === 'staff')
      return person.rooms === 'all' || person.rooms.has(room)
        ? grant('staff-role', person.until)
        : deny('not-this-room');
    const session = person.session;
    if (session.room !== room)
      return deny('wrong-room', {
        kind: 'wrong-room',
        level: 2,
        details: { session: session.id, room, sessionRoom: session.room, seat: person.seat },
      });
    if (!LIVE.has(session.state)) return deny('session-not-open');
    const checkinAt = this.checkinAt(person);
    if (checkinAt === null) return deny('not-checked-in');
    if (presence.roomEnteredAt !== null) return grant('session-room', session.end);
    const deadline = checkinAt + this.options.entryWindowMs;
    if (at > deadline)
      return deny('entry-window-expired', {
        kind: 'entry-window-timeout',
        level: 2,
        details: { session: session.id, room, checkedInAt: checkinAt, deadline },
      });
    return grant('session-room', deadline, { roomEntry: true });
  }

  private checkinAt(person: Person & { kind: 'expert' }): number | null {
    return person.session.checkins.find((c) => c.pseudonym === person.id)?.at ?? null;
  }
}
