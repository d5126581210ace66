// What the city supervises, kept in memory from the venues' uploaded events: each venue's link, sync lag, device
// health and open alarms, the sessions of the day across venues, and a feed of alarm changes. Pure: every event
// comes in through `apply`, every contact through `contact`, and every question takes `now`, so the rules are
// tested with injected time (city-views.test.ts). routes.ts rebuilds it at start from the hub's replay.
import { EventEmitter } from 'node:events';
import type { UpstreamEvent } from '../../edge/sync/wire.ts';
import { type CityFact, readFact } from './facts.ts';
import type {
  AlarmLevel,
  CityAlarm,
  CitySession,
  DeviceHealth,
  VenueDetail,
  VenueLink,
  VenueSummary,
} from './types.ts';

export interface CityViewsOptions {
  /** A venue not heard from for longer is offline (venues pull their downlink every 30 s by default). */
  offlineAfterMs: number;
}

export const DEFAULT_VIEWS_OPTIONS: CityViewsOptions = { offlineAfterMs: 2 * 60_000 };

const DAY_MS = 86_400_000;
/** China keeps +08:00 all year (Asia/Shanghai): the city's day starts at 00:00 there. */
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** The Asia/Shanghai calendar day holding `at`: [start, end) in ms. */
export function shanghaiDay(at: number): { start: number; end: number } {
  const start = Math.floor((at + SHANGHAI_OFFSET_MS) / DAY_MS) * DAY_MS - SHANGHAI_OFFSET_MS;
  return { start, end: start + DAY_MS };
}

/** A session is today's if its time window meets the day (one running past midnight counts on both days). */
export function isOnDay(session: { start: number | null; end: number | null }, day: { start: number; end: number }) {
  if (session.start === null) return false;
  return session.start < day.end && (session.end ?? session.start) >= day.start;
}

/** The link rule: heard within `offlineAfterMs` is online; otherwise offline, or stopped if it said so last. */
export function venueLink(lastContact: number | null, stoppedCleanly: boolean, now: number, offlineAfterMs: number) {
  if (lastContact === null) return 'never' satisfies VenueLink;
  if (now - lastContact <= offlineAfterMs) return 'online' satisfies VenueLink;
  return (stoppedCleanly ? 'stopped' : 'offline') satisfies VenueLink;
}

/** Open alarms first by level (critical first), then newest first. */
export const byUrgency = (a: CityAlarm, b: CityAlarm) => b.level - a.level || b.raisedAt - a.raisedAt;

interface SessionRecord extends Omit<CitySession, 'experts' | 'checkedIn'> {
  experts: Set<string>;
  checkedIn: Set<string>;
}

interface VenueRecord {
  venue: string;
  lastContact: number | null;
  heldSeq: number;
  lastEventAt: number | null;
  lagMs: number | null;
  /** The venue's own head as it last signed it (a checkpoint): seq and when. */
  signedHead: number | null;
  edgeRunning: boolean;
  devices: Map<string, DeviceHealth>;
  /** Raised or acknowledged; a resolved alarm leaves the map (it is in the feed). */
  alarms: Map<string, CityAlarm>;
  sessions: Map<string, SessionRecord>;
}

/** How many alarm changes the feed keeps for a page that connects (the rest are in the hub's store). */
const FEED_KEPT = 50;

export class CityViews extends EventEmitter<{ alarm: [CityAlarm] }> {
  private readonly venues = new Map<string, VenueRecord>();
  private readonly feed: CityAlarm[] = [];

  constructor(private readonly options: CityViewsOptions = DEFAULT_VIEWS_OPTIONS) {
    super();
  }

  /**
   * Events accepted from a venue, in seq order. Events the views already hold (a replay overlapping the live
   * stream) are skipped, so rebuilding and listening may overlap.
   */
  apply(venue: string, events: readonly UpstreamEvent[], receivedAt: number | null): void {
    const v = this.record(venue);
    // A batch of events already held is still the venue talking (it resent after a lost answer).
    if (receivedAt !== null) this.contact(venue, receivedAt);
    let newest: UpstreamEvent | null = null;
    for (const e of events) {
      if (e.seq <= v.heldSeq) continue;
      v.heldSeq = e.seq;
      newest = e;
      const fact = readFact(e);
      if (fact) this.take(v, fact, e);
    }
    if (!newest) return;
    v.lastEventAt = newest.at;
    if (receivedAt !== null) v.lagMs = Math.max(0, receivedAt - newest.at);
  }

  /** The venue was heard from (a batch, a checkpoint, a signed downlink pull). */
  contact(venue: string, at: number): void {
    const v = this.record(venue);
    if (v.lastContact === null || at > v.lastContact) v.lastContact = at;
  }

  /** The venue signed a checkpoint of its record up to `seq`: what it holds, whether or not uploaded yet. */
  signedHead(venue: string, seq: number): void {
    const v = this.record(venue);
    if (v.signedHead === null || seq > v.signedHead) v.signedHead = seq;
  }

  /** The highest seq of the venue's events the views hold (0: none). */
  heldSeq(venue: string): number {
    return this.venues.get(venue)?.heldSeq ?? 0;
  }

  /** Leaves the venue's events up to `seq` unread (they were received before the rebuild's window). */
  skipTo(venue: string, seq: number): void {
    const v = this.record(venue);
    if (seq > v.heldSeq) v.heldSeq = seq;
  }

  /** Venues known to the hub but silent so far appear too (as `never`). */
  knowVenue(venue: string): void {
    this.record(venue);
  }

  overview(now: number): VenueSummary[] {
    return [...this.venues.values()].sort((a, b) => a.venue.localeCompare(b.venue)).map((v) => this.summary(v, now));
  }

  venue(venue: string, now: number): VenueDetail | null {
    const v = this.venues.get(venue);
    if (!v) return null;
    return {
      ...this.summary(v, now),
      deviceList: [...v.devices.values()].sort(
        (a, b) => Number(a.online) - Number(b.online) || a.id.localeCompare(b.id),
      ),
      alarms: [...v.alarms.values()].sort(byUrgency),
      sessions: this.todaysSessionsOf(v, now),
    };
  }

  /** Today's sessions (Asia/Shanghai) across every venue, by start time. */
  sessionsToday(now: number): CitySession[] {
    return [...this.venues.values()]
      .flatMap((v) => this.todaysSessionsOf(v, now))
      .sort((a, b) => (a.start ?? 0) - (b.start ?? 0) || a.venue.localeCompare(b.venue));
  }

  openAlarms(): CityAlarm[] {
    return [...this.venues.values()].flatMap((v) => [...v.alarms.values()]).sort(byUrgency);
  }

  /** The latest alarm changes, newest first (what a page shows when it connects to the feed). */
  recentAlarmChanges(): CityAlarm[] {
    return [...this.feed].reverse();
  }

  private summary(v: VenueRecord, now: number): VenueSummary {
    const openAlarms: Record<AlarmLevel, number> = { 1: 0, 2: 0, 3: 0 };
    for (const a of v.alarms.values()) openAlarms[a.level]++;
    let online = 0;
    for (const d of v.devices.values()) if (d.online) online++;
    return {
      venue: v.venue,
      link: venueLink(v.lastContact, !v.edgeRunning, now, this.options.offlineAfterMs),
      lastContact: v.lastContact,
      heldSeq: v.heldSeq,
      lastEventAt: v.lastEventAt,
      lagMs: v.lagMs,
      seqBehind: v.signedHead === null ? null : Math.max(0, v.signedHead - v.heldSeq),
      devices: { online, offline: v.devices.size - online },
      openAlarms,
      sessionsToday: this.todaysSessionsOf(v, now).length,
    };
  }

  private todaysSessionsOf(v: VenueRecord, now: number): CitySession[] {
    const day = shanghaiDay(now);
    return [...v.sessions.values()]
      .filter((s) => isOnDay(s, day))
      .map(({ experts, checkedIn, ...s }) => ({ ...s, experts: experts.size, checkedIn: checkedIn.size }))
      .sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
  }

  private take(v: VenueRecord, fact: CityFact, e: UpstreamEvent): void {
    switch (fact.kind) {
      case 'device':
        v.devices.set(fact.device, {
          id: fact.device,
          kind: fact.deviceKind ?? v.devices.get(fact.device)?.kind ?? null,
          online: fact.online,
          reason: fact.reason,
          since: e.at,
        });
        return;
      case 'edge':
        v.edgeRunning = fact.running;
        return;
      case 'session-defined': {
        const { kind: _, session, ...definition } = fact;
        Object.assign(this.session(v, session), definition);
        return;
      }
      case 'session-state':
        this.session(v, fact.session).state = fact.state;
        return;
      case 'experts': {
        const s = this.session(v, fact.session);
        for (const p of fact.authorised) s.experts.add(p);
        for (const p of fact.revoked) s.experts.delete(p);
        return;
      }
      case 'checked-in':
        this.session(v, fact.session).checkedIn.add(fact.pseudonym);
        return;
      case 'alarm-raised': {
        const alarm: CityAlarm = {
          venue: v.venue,
          alarmId: fact.alarmId,
          kind: fact.alarmKind,
          level: fact.level,
          place: fact.place,
          session: fact.session,
          raisedAt: e.at,
          state: 'raised',
          changedAt: e.at,
        };
        v.alarms.set(fact.alarmId, alarm);
        return this.announce(alarm);
      }
      case 'alarm-handled': {
        const open = v.alarms.get(fact.alarmId);
        if (!open) return; // raised before the replay window, or already resolved
        const alarm: CityAlarm = { ...open, state: fact.state, changedAt: e.at };
        if (fact.state === 'resolved') v.alarms.delete(fact.alarmId);
        else v.alarms.set(fact.alarmId, alarm);
        return this.announce(alarm);
      }
    }
  }

  private announce(alarm: CityAlarm): void {
    this.feed.push(alarm);
    if (this.feed.length > FEED_KEPT) this.feed.shift();
    this.emit('alarm', alarm);
  }

  private session(v: VenueRecord, id: string): SessionRecord {
    let s = v.sessions.get(id);
    if (!s) {
      s = {
        venue: v.venue,
        id,
        transactionCode: null,
        projectCode: null,
        room: null,
        start: null,
        end: null,
        state: 'scheduled',
        remote: null,
        experts: new Set(),
        checkedIn: new Set(),
      };
      v.sessions.set(id, s);
    }
    return s;
  }

  private record(venue: string): VenueRecord {
    let v = this.venues.get(venue);
    if (!v) {
      v = {
        venue,
        lastContact: null,
        heldSeq: 0,
        lastEventAt: null,
        lagMs: null,
        signedHead: null,
        edgeRunning: true,
        devices: new Map(),
        alarms: new Map(),
        sessions: new Map(),
      };
      this.venues.set(venue, v);
    }
    return v;
  }
}
