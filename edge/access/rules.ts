import type { Venue } from '../../config/schema.ts';
import type { AlarmKind } from '../alerts/alarm-kinds.ts';
import type { AlarmLevel } from '../alerts/alarms.ts';
import { lateAfter } from '../sessions/late-arrivals.ts';
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
  /** A pass request older than this (device clock against the edge's), or as far ahead, is refused. */
  requestMaxAgeMs: number;
  /** A grant not followed by its passage report within this long expires; location moves only on passage. */
  grantExpiryMs: number;
  /** Session staff may pass from this long before the session starts … */
  staffLeadMs: number;
  /** … until this long after it ends. */
  staffGraceMs: number;
}

/** The venue file's `access` settings over the defaults (docs/sessions-access.md, Rules). */
export function accessOptionsFrom(settings: Venue['access']): AccessOptions {
  const o = { ...DEFAULT_ACCESS_OPTIONS };
  if (settings?.entryWindowMin) o.entryWindowMs = settings.entryWindowMin * 60_000;
  if (settings?.requestMaxAgeS) o.requestMaxAgeMs = settings.requestMaxAgeS * 1000;
  if (settings?.grantExpiryS) o.grantExpiryMs = settings.grantExpiryS * 1000;
  return o;
}

export const DEFAULT_ACCESS_OPTIONS: AccessOptions = {
  entryWindowMs: 5 * 60_000,
  requestMaxAgeMs: 5_000,
  grantExpiryMs: 8_000,
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
  'badge-not-issued': '定位卡未发放',
  'request-stale': '通行请求已过期或设备时钟偏差',
  'late-needs-witness': '超过入场时限，须见证人决定',
  'late-refused': '见证人未同意迟到入场',
  'roll-call-pending': '消防疏散后须见证人点名',
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
  /** When the device sent the request (its clock); absent for the allow-list builder's questions. */
  sentAt?: number;
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
  /** `subject` when the alarm is about something other than the person (an unknown credential). */
  alarm?: { kind: AlarmKind; level: AlarmLevel; details: Record<string, unknown>; subject?: string };
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

/** Nobody unknown gets in, and nobody tries unnoticed: a badge never issued today is an alarm like a stranger. */
function unknownCredential(credential: Credential): Verdict {
  return deny(credential.type === 'badge' ? 'badge-not-issued' : 'visitor', {
    kind: 'unauthorised-person',
    level: 2,
    subject: `${credential.type}:${credential.value}`,
    details: { credential: credential.type },
  });
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
    const verdict = this.judge(person, credential, movement, at, mode, endOfDay, known);
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
    credential: Credential,
    movement: Movement | null,
    at: number,
    mode: AccessMode,
    endOfDay: number,
    known: Partial<KnownFacts>,
  ): Verdict {
    if (!movement) return deny('unknown-door');
    if (mode === 'fire-open') return grant('fire-open', endOfDay);
    // A request that waited in a queue (or a device with a wrong clock) no longer says who stands at the door.
    if (known.sentAt !== undefined && Math.abs(at - known.sentAt) > this.options.requestMaxAgeMs)
      return deny('request-stale');
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
        if (person.kind === 'visitor') return unknownCredential(credential);
        return person.kind === 'off-duty' ? deny('outside-schedule') : grant('staff-role', endOfDay);
    }
    if (person.kind === 'visitor') return unknownCredential(credential);
    if (person.kind === 'off-duty') return deny('outside-schedule');
    const presence = 'presence' in known ? (known.presence ?? null) : this.store.presence(person.id, at);
    if (movement.kind === 'zone-entry') return this.zoneEntry(person, presence, known.deposited, at);
    return this.roomEntry(person, presence, movement.room!, at);
  }

  /**
   * Entries an expert's session does not allow yet: after a fire, until a witness's roll call; and, until the
   * expert first reached the room, after session start + the late-entry window without a witness's decision.
   */
  private arrivalHold(person: Person & { kind: 'expert' }, presence: Presence | null, at: number): Verdict | null {
    const session = person.session;
    if (this.store.rollCallPending(session.id)) return deny('roll-call-pending');
    if (presence?.roomEnteredAt != null || !LIVE.has(session.state)) return null;
    const admission = this.sessions.admissionOf(session, person.id, at);
    if (admission === 'refused') return deny('late-refused');
    if (admission !== 'held') return null;
    return deny('late-needs-witness', {
      kind: 'late-arrival',
      level: 2,
      details: { session: session.id, room: session.room, lateAfter: lateAfter(session, this.sessions.lateEntryMs) },
    });
  }

  /** Until when an expert still arriving may pass: the late-entry deadline unless a witness let them in. */
  private arrivalUntil(person: Person & { kind: 'expert' }, at: number, until: number): number {
    if (this.sessions.admissionOf(person.session, person.id, at) !== 'on-time') return until;
    return Math.min(until, lateAfter(person.session, this.sessions.lateEntryMs));
  }

  /**
   * The first room entry is due within the entry window after check-in — or after the witness's decision, for a
   * late arrival let in after checking in.
   */
  roomDeadline(session: EvaluationSession, pseudonym: string, checkinAt: number): number {
    const decision = this.sessions.lateDecisionOf(session.id, pseudonym);
    const from = decision?.approved ? Math.max(checkinAt, decision.at) : checkinAt;
    return from + this.options.entryWindowMs;
  }

  private zoneEntry(
    person: Person & { kind: 'expert' | 'staff' },
    presence: Presence | null,
    deposited: boolean | undefined,
    at: number,
  ): Verdict {
    const inside = presence && presence.location !== 'outside' && presence.location !== 'unknown';
    if (person.kind === 'staff') return inside ? deny('anti-passback') : grant('staff-role', person.until);
    const held = this.arrivalHold(person, presence, at);
    if (held) return held;
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
    const until = presence?.roomEnteredAt != null ? session.end : this.arrivalUntil(person, at, session.end);
    return grant(reentry ? 'reentry-approved' : 'checked-in', until, { reentryConsumed: reentry });
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
    const held = this.arrivalHold(person, presence, at);
    if (held) return held;
    if (!LIVE.has(session.state)) return deny('session-not-open');
    const checkinAt = this.checkinAt(person);
    if (checkinAt === null) return deny('not-checked-in');
    if (presence.roomEnteredAt !== null) return grant('session-room', session.end);
    const deadline = this.roomDeadline(session, person.id, checkinAt);
    if (at > deadline)
      return deny('entry-window-expired', {
        kind: 'entry-window-timeout',
        level: 2,
        details: { session: session.id, room, checkedInAt: checkinAt, deadline },
      });
    return grant('session-room', this.arrivalUntil(person, at, deadline), { roomEntry: true });
  }

  private checkinAt(person: Person & { kind: 'expert' }): number | null {
    return person.session.checkins.find((c) => c.pseudonym === person.id)?.at ?? null;
  }
}
