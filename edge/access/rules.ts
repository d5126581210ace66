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

export interface Decision {
  granted: boolean;
  reason: Reason;
  person: Person;
  movement: Movement | null;
  /** Where the person is after passing, and what that changes (for the presence projection). */
  passage: PassageData;
  /** Until when this grant holds (for the gates' allow-list). */
  until: number;
  alarm?: { kind: string; level: AlarmLevel; details: Record<string, unknown> };
}

const LIVE = new Set(['checkin-open', 'in-progress', 'suspended']);

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
    return this.staffAuthority(credential.value, at) ?? { kind: 'visitor', id: null };
  }

  /** Staff pass by role and schedule: session staff around their session, roster staff in their hours. */
  private staffAuthority(person: string, at: number): Person | null {
    for (const { session, role } of this.sessions.findStaffToday(person, at)) {
      const from = session.start - this.options.staffLeadMs;
      const until = session.end + this.options.staffGraceMs;
      if (at < from || at >= until) continue;
      const rooms = role === 'staff' ? new Set<string>() : new Set([session.room]);
      return { kind: 'staff', id: person, role, session, rooms, until };
    }
    const roster = this.store.rosterEntry(person);
    if (!roster) return null;
    const local = new Date(at + VENUE_UTC_OFFSET_MS);
    const weekday = local.getUTCDay() || 7;
    const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
    if (!roster.days.includes(weekday) || minute < roster.fromMin || minute >= roster.toMin) return null;
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

  decide(
    deviceId: string,
    credential: Credential,
    direction: Direction,
    at: number,
    mode: AccessMode,
    person = this.resolve(credential, at),
  ): Decision {
    const movement = this.topology.movement(deviceId, direction);
    const sessionId = person.kind === 'visitor' ? null : (person.session?.id ?? null);
    const endOfDay = dayBounds(venueDay(at))![1];
    const base = { person, movement, until: endOfDay };
    const passage = (extra: Partial<PassageData> = {}): PassageData => ({
      person: person.id,
      session: sessionId,
      location: movement?.to ?? 'outside',
      ...extra,
    });
    const grant = (reason: Reason, until: number, extra: Partial<PassageData> = {}): Decision => ({
      ...base,
      granted: true,
      reason,
      until,
      passage: passage(extra),
    });
    const deny = (reason: Reason, alarm?: Decision['alarm']): Decision => ({
      ...base,
      granted: false,
      reason,
      passage: passage(),
      ...(alarm ? { alarm } : {}),
    });

    if (!movement) return deny('unknown-door');
    if (mode === 'fire-open') return grant('fire-open', endOfDay);
    const presence = person.id ? this.store.presence(person.id, at) : null;

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
        return person.kind === 'visitor' ? deny('visitor') : grant('staff-role', endOfDay);
      case 'zone-entry':
        return this.zoneEntry(person, presence, at, grant, deny);
      case 'room-entry':
        return this.roomEntry(person, presence, movement.room!, at, grant, deny);
    }
  }

  private zoneEntry(
    person: Person,
    presence: Presence | null,
    at: number,
    grant: (r: Reason, until: number, extra?: Partial<PassageData>) => Decision,
    deny: (r: Reason, alarm?: Decision['alarm']) => Decision,
  ): Decision {
    if (person.kind === 'visitor') return deny('visitor');
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
    if (this.topology.lockerBanks.length > 0 && !this.store.depositOf(person.id))
      return deny('phone-not-deposited', { kind: 'phone-not-deposited', level: 1, details: { session: session.id } });
    return grant(reentry ? 'reentry-approved' : 'checked-in', session.end, { reentryConsumed: reentry });
  }

  private roomEntry(
    person: Person,
    presence: Presence | null,
    room: string,
    at: number,
    grant: (r: Reason, until: number, extra?: Partial<PassageData>) => Decision,
    deny: (r: Reason, alarm?: Decision['alarm']) => Decision,
  ): Decision {
    if (person.kind === 'visitor') return deny('visitor');
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
