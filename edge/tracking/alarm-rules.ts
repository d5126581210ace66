import type { AlarmEngine, AlarmLevel } from '../alerts/alarms.ts';
import type { BadgeBinding } from './bindings.ts';
import type { TrackingConfig } from './config.ts';
import type { BadgeFences, ZoneTransition } from './fences.ts';
import type { PreparedZone, ZoneIndex } from './geometry.ts';

/** The tracking alarms, their level (报警等级, see ALARM_LEVELS) and console names. */
export const TRACKING_ALARMS = {
  'unbound-badge': {
    level: 3,
    zh: '未绑定人员的定位标签进入评标区',
    en: 'Badge bound to nobody in the evaluation zone',
  },
  'in-wrong-room': { level: 2, zh: '专家进入非本项目评标室', en: 'Expert in a room not bound to their session' },
  'left-zone': { level: 2, zh: '评标期间专家离开评标区', en: 'Expert left the evaluation zone during evaluation' },
  'cross-session-contact': { level: 2, zh: '不同项目专家接触', en: 'Experts of different sessions together' },
  'restroom-dwell': { level: 1, zh: '卫生间停留超时', en: 'Restroom stay too long' },
  'badge-lost': { level: 2, zh: '定位标签信号丢失', en: 'Badge not heard' },
  'badge-low-battery': { level: 1, zh: '定位标签电量低', en: 'Badge battery low' },
} as const satisfies Record<string, { level: AlarmLevel; zh: string; en: string }>;
export type TrackingAlarmKind = keyof typeof TRACKING_ALARMS;

/** Session states in which an expert's place is in the evaluation zone. */
const EVALUATING = new Set(['in-progress', 'suspended']);

/** What the rules need to know about a badge; the tracking service owns these. */
export interface BadgeTrack {
  badge: string;
  fences: BadgeFences;
  floor: string;
  x: number;
  y: number;
  accuracy: number;
  battery: number | null;
  /** Fix time of the last position (the positioning engine's clock). */
  at: number;
  /** When the edge last heard the badge (edge clock). */
  heardAt: number;
}

export interface SessionFacts {
  room: string;
  state: string;
}

interface Contact {
  a: BadgeBinding;
  b: BadgeBinding;
  since: number;
  lastClose: number;
}

/**
 * Turns tracking facts into alarms. Each condition raises once when it starts and clears when it ends; which
 * conditions are currently raised is remembered (and restored from open alarms at start), so the rules never
 * query the alarm table per position.
 */
export class TrackingAlarmRules {
  /** Subjects with a raised condition, per kind. */
  private readonly active = new Map<TrackingAlarmKind, Set<string>>(
    Object.keys(TRACKING_ALARMS).map((k) => [k as TrackingAlarmKind, new Set<string>()]),
  );
  private readonly contacts = new Map<string, Contact>();
  private readonly startedAt = Date.now();

  constructor(
    private readonly alarms: AlarmEngine,
    private readonly zones: ZoneIndex,
    private readonly session: (id: string) => SessionFacts | null,
    private readonly config: () => TrackingConfig,
  ) {
    for (const [kind, subjects] of this.active)
      for (const a of alarms.list({ state: 'open', kind, limit: 100_000 })) subjects.add(a.subject);
  }

  /** Zone entries and exits, after they are in the record. */
  onTransition(tr: ZoneTransition, track: BadgeTrack, holder: BadgeBinding | undefined): void {
    const z = tr.zone;
    if (z.type === 'evaluation-zone') {
      if (tr.kind === 'entered') {
        if (!holder) this.raise('unbound-badge', tr.badge, null, { zone: z.id, ...where(track) });
        else this.clear('left-zone', holder.person, 'returned to the evaluation zone');
      } else if (tr.reason === 'moved') {
        if (!holder) this.clear('unbound-badge', tr.badge, 'left the evaluation zone');
        else if (holder.role === 'expert' && this.evaluating(holder))
          this.raise('left-zone', holder.person, holder.session, { badge: tr.badge, zone: z.id, ...where(track) });
      }
    }
    if (z.type === 'evaluation-room' && holder?.role === 'expert') {
      const room = this.roomOf(holder);
      if (room !== null && room !== z.id) {
        if (tr.kind === 'entered')
          this.raise('in-wrong-room', holder.person, holder.session, {
            badge: tr.badge,
            room: z.id,
            sessionRoom: room,
            ...where(track),
          });
        else this.clear('in-wrong-room', holder.person, `left ${z.id}`);
      }
    }
    if (z.type === 'restroom' && tr.kind === 'left' && holder) this.clear('restroom-dwell', holder.person, 'left');
  }

  /** Per position: battery and the end of a lost badge. Cheap: no I/O unless something changes. */
  onPosition(track: BadgeTrack, battery: number | undefined): void {
    const c = this.config();
    if (this.active.get('badge-lost')!.has(track.badge)) this.clear('badge-lost', track.badge, 'heard again');
    if (battery === undefined) return;
    track.battery = battery;
    const low = this.active.get('badge-low-battery')!.has(track.badge);
    if (!low && battery <= c.lowBatteryPct) this.raise('badge-low-battery', track.badge, null, { battery });
    else if (low && battery >= c.batteryClearPct) this.clear('badge-low-battery', track.badge, `battery ${battery}%`);
  }

  /** A badge was bound: it is no stranger any more, but it may already be in the wrong room. */
  onBound(b: BadgeBinding, track: BadgeTrack | undefined): void {
    this.clear('unbound-badge', b.badge, `bound to ${b.person}`);
    if (!track || b.role !== 'expert') return;
    const room = this.roomOf(b);
    for (const z of this.insideZones(track))
      if (z.type === 'evaluation-room' && room !== null && z.id !== room)
        this.raise('in-wrong-room', b.person, b.session, { badge: b.badge, room: z.id, sessionRoom: room });
  }

  /** A badge was released: its holder's conditions end; a released badge left in the zone is a stranger's. */
  onReleased(b: BadgeBinding, track: BadgeTrack | undefined): void {
    const why = 'badge released';
    for (const kind of ['in-wrong-room', 'left-zone', 'restroom-dwell'] as const) this.clear(kind, b.person, why);
    this.clear('badge-lost', b.badge, why);
    for (const [k, c] of this.contacts) if (c.a.badge === b.badge || c.b.badge === b.badge) this.endContact(k, c, why);
    if (track && this.insideZones(track).some((z) => z.type === 'evaluation-zone'))
      this.raise('unbound-badge', b.badge, null, { releasedFrom: b.person, ...where(track) });
  }

  /** A session left evaluation: its experts being outside the zone is no longer a condition. */
  onSessionState(sessionId: string, state: string, holders: BadgeBinding[]): void {
    if (EVALUATING.has(state)) return;
    for (const h of holders) if (h.session === sessionId) this.clear('left-zone', h.person, `session ${state}`);
  }

  /** Time-based rules: lost badges, restroom dwell, contact between sessions. */
  tick(now: number, holders: Iterable<BadgeBinding>, trackOf: (badge: string) => BadgeTrack | undefined): void {
    const c = this.config();
    const near: { binding: BadgeBinding; track: BadgeTrack }[] = [];
    for (const h of holders) {
      const track = trackOf(h.badge);
      const heardAt = Math.max(track?.heardAt ?? 0, h.since, this.startedAt);
      if (now - heardAt >= c.lostAfterMs) {
        this.raise('badge-lost', h.badge, h.session, { person: h.person, lastHeardAt: track?.heardAt ?? null });
        continue;
      }
      if (!track) continue;
      for (const z of this.insideZones(track)) {
        const since = track.fences.enteredAt(z)!;
        if (z.type === 'restroom' && now - since >= c.restroomMaxMs)
          this.raise('restroom-dwell', h.person, h.session, { badge: h.badge, zone: z.id, since });
      }
      if (h.role === 'expert' && h.session) near.push({ binding: h, track });
    }
    this.checkContacts(now, near);
  }

  /** Pairs of experts of different sessions within `contactDistanceM`, found through a grid of that size. */
  private checkContacts(now: number, experts: { binding: BadgeBinding; track: BadgeTrack }[]): void {
    const c = this.config();
    const cell = Math.max(c.contactDistanceM, 0.1);
    const grid = new Map<string, { binding: BadgeBinding; track: BadgeTrack }[]>();
    const cellKey = (floor: string, cx: number, cy: number) => `${floor}|${cx}|${cy}`;
    for (const e of experts) {
      const k = cellKey(e.track.floor, Math.floor(e.track.x / cell), Math.floor(e.track.y / cell));
      const list = grid.get(k);
      if (list) list.push(e);
      else grid.set(k, [e]);
    }
    for (const e of experts) {
      const cx = Math.floor(e.track.x / cell);
      const cy = Math.floor(e.track.y / cell);
      for (let dx = -1; dx <= 1; dx++)
        for (let dy = -1; dy <= 1; dy++)
          for (const o of grid.get(cellKey(e.track.floor, cx + dx, cy + dy)) ?? []) {
            if (o.binding.person <= e.binding.person || o.binding.session === e.binding.session) continue;
            if (Math.hypot(o.track.x - e.track.x, o.track.y - e.track.y) > c.contactDistanceM) continue;
            const k = `${e.binding.person}+${o.binding.person}`;
            const contact = this.contacts.get(k) ?? { a: e.binding, b: o.binding, since: now, lastClose: now };
            contact.lastClose = now;
            this.contacts.set(k, contact);
          }
    }
    for (const [k, contact] of this.contacts) {
      if (now - contact.lastClose > c.contactGraceMs) this.endContact(k, contact, 'apart');
      else if (contact.lastClose - contact.since >= c.contactAfterMs)
        this.raise('cross-session-contact', k, contact.a.session, {
          persons: [contact.a.person, contact.b.person],
          sessions: [contact.a.session, contact.b.session],
          since: contact.since,
        });
    }
  }

  private endContact(k: string, _contact: Contact, why: string): void {
    this.contacts.delete(k);
    this.clear('cross-session-contact', k, why);
  }

  private evaluating(b: BadgeBinding): boolean {
    const s = b.session ? this.session(b.session) : null;
    return s !== null && EVALUATING.has(s.state);
  }

  private roomOf(b: BadgeBinding): string | null {
    return b.room ?? (b.session ? (this.session(b.session)?.room ?? null) : null);
  }

  private insideZones(track: BadgeTrack): PreparedZone[] {
    return track.fences.insideIndexes().map((i) => this.zones.zones[i]!);
  }

  private raise(
    kind: TrackingAlarmKind,
    subject: string,
    session: string | null,
    details: Record<string, unknown>,
  ): void {
    const subjects = this.active.get(kind)!;
    if (subjects.has(subject)) return;
    subjects.add(subject);
    const reopenWithinMs = this.config().reopenWithinMs;
    this.alarms.raise({ kind, level: TRACKING_ALARMS[kind].level, subject, session, details, reopenWithinMs });
  }

  private clear(kind: TrackingAlarmKind, subject: string, why: string): void {
    if (this.active.get(kind)!.delete(subject)) this.alarms.clear(kind, subject, why);
  }
}

/**
 * The triggering fix's time, so the console (and the bench) see the delay. Coordinates stay out of the record:
 * raw positions are short-retention data (the trajectory store and the live map have them).
 */
const where = (t: BadgeTrack) => ({ floor: t.floor, positionAt: t.at });
