import type { PreparedZone, ZoneIndex } from '../../config/geometry.ts';
import type { AwayZoneType } from '../../config/schema.ts';
import type { AlarmEngine, AlarmLevel } from '../alerts/alarms.ts';
import type { BadgeBinding } from './bindings.ts';
import type { TrackingConfig } from './config.ts';
import type { BadgeFences, ZoneTransition } from './fences.ts';

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
  'away-from-room': { level: 1, zh: '离开评标室超时', en: 'Away from the room too long' },
  'population-mismatch': { level: 2, zh: '评标区人数与定位卡不符', en: 'Head count does not match badges' },
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

/** Where the rules raise and clear alarms (the alarm engine). */
export type AlarmSink = Pick<AlarmEngine, 'raise' | 'clear' | 'list'>;

interface Contact {
  a: BadgeBinding;
  b: BadgeBinding;
  since: number;
  lastClose: number;
  /** The small shared zone both are in now, and since when; null while they are together only by distance. */
  sharedZone: string | null;
  sharedSince: number | null;
}

/** An expert's absence from their room: since when in all, and where they are now since when. */
interface Absence {
  since: number;
  zone: string;
  zoneSince: number;
}

interface Expert {
  binding: BadgeBinding;
  track: BadgeTrack;
  inside: PreparedZone[];
}

/**
 * Turns tracking facts into alarms. Each condition raises once when it starts and clears when it ends; which
 * conditions are currently raised is remembered (and restored from open alarms at start), so the rules never
 * query the alarm table per position. Time comes in as arguments (`now`), so the rules are tested as pure code.
 */
export class TrackingAlarmRules {
  /** Subjects with a raised condition, per kind. */
  private readonly active = new Map<TrackingAlarmKind, Set<string>>(
    Object.keys(TRACKING_ALARMS).map((k) => [k as TrackingAlarmKind, new Set<string>()]),
  );
  private readonly contacts = new Map<string, Contact>();
  private readonly absences = new Map<string, Absence>();
  private readonly mismatchSince = new Map<string, number>();
  private readonly startedAt: number;

  constructor(
    private readonly alarms: AlarmSink,
    private readonly zones: ZoneIndex,
    private readonly session: (id: string) => SessionFacts | null,
    private readonly config: () => TrackingConfig,
    now = Date.now(),
  ) {
    this.startedAt = now;
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
        // Someone who checked out is on their way out: leaving is what they should do.
        else if (holder.role === 'expert' && holder.checkedOutAt === null && this.evaluating(holder))
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
    for (const kind of ['in-wrong-room', 'left-zone', 'restroom-dwell', 'away-from-room'] as const)
      this.clear(kind, b.person, why);
    this.absences.delete(b.person);
    this.clear('badge-lost', b.badge, why);
    for (const [k, c] of this.contacts) if (c.a.badge === b.badge || c.b.badge === b.badge) this.endContact(k, why);
    if (track && this.insideZones(track).some((z) => z.type === 'evaluation-zone'))
      this.raise('unbound-badge', b.badge, null, { releasedFrom: b.person, ...where(track) });
  }

  /** A session changed state: its experts being outside the zone, or away from the room, may stop mattering. */
  onSessionState(sessionId: string, state: string, holders: BadgeBinding[]): void {
    for (const h of holders) {
      if (h.session !== sessionId) continue;
      if (!EVALUATING.has(state)) this.clear('left-zone', h.person, `session ${state}`);
      if (state !== 'in-progress') {
        this.absences.delete(h.person);
        this.clear('away-from-room', h.person, `session ${state}`);
      }
    }
  }

  /** Time-based rules: lost badges, restroom dwell, time away from the room, contact between sessions. */
  tick(now: number, holders: Iterable<BadgeBinding>, trackOf: (badge: string) => BadgeTrack | undefined): void {
    const c = this.config();
    const experts: Expert[] = [];
    for (const h of holders) {
      const track = trackOf(h.badge);
      const heardAt = Math.max(track?.heardAt ?? 0, h.since, this.startedAt);
      if (now - heardAt >= c.lostAfterMs) {
        this.raise('badge-lost', h.badge, h.session, { person: h.person, lastHeardAt: track?.heardAt ?? null });
        continue;
      }
      if (!track) continue;
      const inside = this.insideZones(track);
      for (const z of inside) {
        const since = track.fences.enteredAt(z)!;
        if (z.type === 'restroom' && now - since >= c.restroomMaxMs)
          this.raise('restroom-dwell', h.person, h.session, { badge: h.badge, zone: z.id, since });
      }
      if (h.role === 'expert' && h.session) {
        experts.push({ binding: h, track, inside });
        this.checkAway(now, h, inside);
      }
    }
    this.checkContacts(now, experts);
  }

  /**
   * Head count: people counted in and out at the evaluation zone's doors against the badges heard inside it.
   * Someone inside without a badge (or a badge without its carrier) shows as a difference; one lasting
   * `populationGraceMs` raises `population-mismatch`, which clears when the numbers agree again.
   */
  population(now: number, zone: string, counted: number, badges: number): void {
    if (counted === badges) {
      this.mismatchSince.delete(zone);
      this.clear('population-mismatch', zone, `${counted} counted, ${badges} badges`);
      return;
    }
    const since = this.mismatchSince.get(zone) ?? now;
    this.mismatchSince.set(zone, since);
    if (now - since >= this.config().populationGraceMs)
      this.raise('population-mismatch', zone, null, { zone, counted, badges, since });
  }

  /**
   * Time away from one's room while the session is in progress: each stay in one place (a zone, or the
   * evaluation zone's open area as `corridor`) is limited by its type (`awayMaxMs`), the whole absence by
   * `awayTotalMaxMs`. Being in one's own room or the witness room is not away; leaving the zone is `left-zone`'s.
   */
  private checkAway(now: number, h: BadgeBinding, inside: PreparedZone[]): void {
    const c = this.config();
    const zone = inside.find((z) => z.type === 'evaluation-zone');
    const room = this.roomOf(h);
    const back = inside.some((z) => z.id === room || z.type === 'witness-room');
    const why = back
      ? 'back in the room'
      : !zone
        ? 'left the evaluation zone'
        : h.checkedOutAt !== null
          ? 'checked out'
          : !this.inProgress(h)
            ? 'session not in progress'
            : null;
    if (why !== null) {
      this.absences.delete(h.person);
      this.clear('away-from-room', h.person, why);
      return;
    }
    // The innermost zone the badge is in, or the evaluation zone's open area.
    const place = inside.find((z) => z !== zone && !inside.some((o) => o.parent === z.id)) ?? zone!;
    const type = place === zone ? 'corridor' : place.type;
    const absence = this.absences.get(h.person) ?? { since: now, zone: place.id, zoneSince: now };
    if (absence.zone !== place.id) {
      absence.zone = place.id;
      absence.zoneSince = now;
    }
    this.absences.set(h.person, absence);
    const limit = c.awayMaxMs[type as AwayZoneType];
    const details = { badge: h.badge, zone: place.id, zoneType: type, room };
    if (limit !== undefined && now - absence.zoneSince >= limit)
      this.raise('away-from-room', h.person, h.session, { ...details, since: absence.zoneSince, limitMs: limit });
    else if (now - absence.since >= c.awayTotalMaxMs)
      this.raise('away-from-room', h.person, h.session, {
        ...details,
        since: absence.since,
        limitMs: c.awayTotalMaxMs,
        total: true,
      });
  }

  /**
   * Pairs of experts of different sessions together: within `contactDistanceM` (found through a grid of that
   * size) for `contactAfterMs`, or inside one small shared zone (restroom, locker area, stairwell, lift lobby)
   * at any distance for `sharedContactAfterMs`.
   */
  private checkContacts(now: number, experts: Expert[]): void {
    const c = this.config();
    const together = new Map<string, { a: BadgeBinding; b: BadgeBinding; zone: string | null }>();
    // Each pair once (by person order), and only of different sessions: checked before any distance is.
    const apart = (e: Expert, o: Expert) =>
      o.binding.person <= e.binding.person || o.binding.session === e.binding.session;
    const pair = (e: Expert, o: Expert, zone: string | null) => {
      const k = `${e.binding.person}+${o.binding.person}`;
      const seen = together.get(k);
      if (!seen) together.set(k, { a: e.binding, b: o.binding, zone });
      else seen.zone ??= zone;
    };
    const cell = Math.max(c.contactDistanceM, 0.1);
    const grid = new Map<string, Expert[]>();
    const shared = new Map<string, Expert[]>();
    const cellKey = (floor: string, cx: number, cy: number) => `${floor}|${cx}|${cy}`;
    const add = <K>(map: Map<K, Expert[]>, key: K, e: Expert) => {
      const list = map.get(key);
      if (list) list.push(e);
      else map.set(key, [e]);
    };
    for (const e of experts) {
      add(grid, cellKey(e.track.floor, Math.floor(e.track.x / cell), Math.floor(e.track.y / cell)), e);
      for (const z of e.inside) if (z.shared) add(shared, z.id, e);
    }
    for (const e of experts) {
      const cx = Math.floor(e.track.x / cell);
      const cy = Math.floor(e.track.y / cell);
      for (let dx = -1; dx <= 1; dx++)
        for (let dy = -1; dy <= 1; dy++)
          for (const o of grid.get(cellKey(e.track.floor, cx + dx, cy + dy)) ?? [])
            if (!apart(e, o) && Math.hypot(o.track.x - e.track.x, o.track.y - e.track.y) <= c.contactDistanceM)
              pair(e, o, null);
    }
    for (const [zone, inZone] of shared)
      for (const e of inZone) for (const o of inZone) if (!apart(e, o)) pair(e, o, zone);

    for (const [k, t] of together) {
      const contact = this.contacts.get(k) ?? {
        a: t.a,
        b: t.b,
        since: now,
        lastClose: now,
        sharedZone: null,
        sharedSince: null,
      };
      contact.lastClose = now;
      if (t.zone !== contact.sharedZone) {
        contact.sharedZone = t.zone;
        contact.sharedSince = t.zone === null ? null : now;
      }
      this.contacts.set(k, contact);
    }
    for (const [k, contact] of this.contacts) {
      if (now - contact.lastClose > c.contactGraceMs) {
        this.endContact(k, 'apart');
        continue;
      }
      const inSharedZone =
        contact.sharedSince !== null &&
        contact.lastClose === now &&
        now - contact.sharedSince >= c.sharedContactAfterMs;
      if (inSharedZone || contact.lastClose - contact.since >= c.contactAfterMs)
        this.raise('cross-session-contact', k, contact.a.session, {
          persons: [contact.a.person, contact.b.person],
          sessions: [contact.a.session, contact.b.session],
          since: inSharedZone ? contact.sharedSince : contact.since,
          zone: inSharedZone ? contact.sharedZone : null,
        });
    }
  }

  private endContact(k: string, why: string): void {
    this.contacts.delete(k);
    this.clear('cross-session-contact', k, why);
  }

  private evaluating(b: BadgeBinding): boolean {
    const s = b.session ? this.session(b.session) : null;
    return s !== null && EVALUATING.has(s.state);
  }

  private inProgress(b: BadgeBinding): boolean {
    return (b.session ? this.session(b.session)?.state : null) === 'in-progress';
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
