import { join } from 'node:path';
import type { Static } from '@sinclair/typebox';
import { Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ZoneIndex } from '../../config/geometry.ts';
import { describeSchemaError } from '../../config/json-schema.ts';
import type { Position } from '../../devices/rtls/contract.ts';
import type { VenueContext } from '../context.ts';
import { DomainError } from '../domain-error.ts';
import type { EventInput, LoggedEvent } from '../store/event-log.ts';
import { type BadgeTrack, type SessionFacts, TrackingAlarmRules } from './alarm-rules.ts';
import { type BadgeBinding, BadgeBindings } from './bindings.ts';
import { DEFAULT_TRACKING_CONFIG, TrackingConfig, venueTrackingConfig } from './config.ts';
import { BadgeFences, FenceEngine, type ZoneTransition } from './fences.ts';
import { ZoneHeadCount } from './head-count.ts';
import { migrateTracking } from './schema.ts';
import { type TrajectoryPoint, TrajectoryStore } from './trajectory-store.ts';

export type BadgePosition = Static<typeof Position>;

/** What tracking needs from sessions (edge/sessions' SessionService fits). */
export interface SessionLookup {
  get(id: string): SessionFacts | null;
  on(event: 'changed', listener: (sessionId: string) => void): unknown;
}

/** Pending trajectory points that trigger a flush before the timer does. */
const FLUSH_AT = 5_000;
/** A badge neither heard nor in any zone for this long is forgotten (its trajectory stays in the store). */
const FORGET_AFTER_MS = 10 * 60_000;

const validateChanges = new Ajv({ allErrors: false, strict: false }).compile<Partial<TrackingConfig>>(
  T.Partial(TrackingConfig),
);

export interface LivePosition {
  badge: string;
  person: string | null;
  role: BadgeBinding['role'] | null;
  session: string | null;
  floor: string;
  x: number;
  y: number;
  accuracy: number;
  battery: number | null;
  at: number;
  zones: string[];
}

export interface Stay {
  zone: string;
  badge: string;
  person: string | null;
  session: string | null;
  enteredAt: number;
  leftAt: number | null;
  dwellMs: number;
  reason: string | null;
}

/**
 * Expert location tracking: rtls position batches → fences (zone entry/exit with omlox tolerance and
 * timeouts) → `tracking.zone-*` events and alarms; positions downsampled into the trajectory store.
 * Raw positions never enter the event log.
 */
export class TrackingService {
  readonly zones: ZoneIndex;
  readonly bindings: BadgeBindings;
  readonly store: TrajectoryStore;
  readonly headCount: ZoneHeadCount;
  readonly stats = { positions: 0, inaccurate: 0, batches: 0, transitions: 0 };
  private config: TrackingConfig;
  private readonly fences: FenceEngine;
  private readonly rules: TrackingAlarmRules;
  private readonly tracks = new Map<string, BadgeTrack>();
  private readonly sessionCache = new Map<string, SessionFacts | null>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly ctx: VenueContext,
    private readonly sessions: SessionLookup,
    options: { config?: Partial<TrackingConfig>; trajectoryFile?: string } = {},
  ) {
    this.config = { ...DEFAULT_TRACKING_CONFIG, ...venueTrackingConfig(ctx.venue), ...options.config };
    migrateTracking(ctx.db);
    this.zones = new ZoneIndex(ctx.venue);
    this.fences = new FenceEngine(this.zones, this.config);
    this.bindings = new BadgeBindings(ctx.log, (badge) => this.inEvaluationZone(badge));
    this.headCount = new ZoneHeadCount(ctx.venue, ctx.log);
    this.store = new TrajectoryStore(
      options.trajectoryFile ?? join(ctx.dataDir, 'tracking', 'trajectories.db'),
      this.config.sampleMs,
    );
    this.rules = new TrackingAlarmRules(
      ctx.alarms,
      this.zones,
      (id) => this.sessionFacts(id),
      () => this.config,
    );
    const insertStay = ctx.db.prepare(
      `INSERT INTO tracking_stays (zone, badge, person, session, entered_at, left_at, dwell_ms, reason, seq)
       VALUES (@zone, @badge, @person, @session, @enteredAt, @leftAt, @dwellMs, @reason, @seq)`,
    );
    ctx.log.addProjection((e) => {
      if (e.type !== 'tracking.zone-left') return;
      insertStay.run({ ...e.data, session: e.session, seq: e.seq });
    });
    this.bindings.on('bound', (b) => this.rules.onBound(b, this.tracks.get(b.badge)));
    this.bindings.on('released', (b) => this.rules.onReleased(b, this.tracks.get(b.badge)));
    sessions.on('changed', (id) => this.sessionChanged(id));
  }

  start(): void {
    this.ctx.gateway.onEvent('rtls', 'positions', (_device, payload) =>
      this.ingest(payload.positions as BadgePosition[]),
    );
    this.purge();
    this.startTimers();
  }

  stop(): void {
    this.stopTimers();
    this.store.close();
  }

  get settings(): TrackingConfig {
    return { ...this.config };
  }

  /** Changes thresholds at run time; recorded with who changed what. */
  configure(changes: unknown, by: string): TrackingConfig {
    if (!validateChanges(changes))
      throw new DomainError('invalid', `config${describeSchemaError(validateChanges.errors![0]!)}`);
    const before = this.config;
    // Per-type away limits merge, so changing one type keeps the others.
    const awayMaxMs = { ...before.awayMaxMs, ...changes.awayMaxMs };
    this.config = { ...before, ...changes, awayMaxMs };
    this.fences.options = this.config;
    this.store.sampleMs = this.config.sampleMs;
    const diff = Object.fromEntries(
      Object.entries(changes).map(([k, v]) => [k, { from: before[k as keyof TrackingConfig], to: v }]),
    );
    this.ctx.log.append({ type: 'tracking.configured', actor: by, data: { changes: diff } });
    this.stopTimers();
    this.startTimers();
    return this.settings;
  }

  /** One batch from the positioning engine: fences, alarms, trajectory. Zone events are appended in one go. */
  ingest(positions: readonly BadgePosition[], now = Date.now()): void {
    this.stats.batches++;
    const transitions: ZoneTransition[] = [];
    const maxAccuracy = this.config.maxAccuracyM;
    for (const p of positions) {
      this.stats.positions++;
      let track = this.tracks.get(p.badge);
      if (!track) {
        track = { ...p, battery: null, heardAt: now, fences: new BadgeFences(this.zones.zones.length) };
        this.tracks.set(p.badge, track);
      }
      track.floor = p.floor;
      track.x = p.x;
      track.y = p.y;
      track.accuracy = p.accuracy;
      track.at = p.at;
      track.heardAt = now;
      this.store.offer(p);
      if (p.accuracy <= maxAccuracy) this.fences.update(p.badge, track.fences, p.floor, p.x, p.y, now, transitions);
      else {
        this.stats.inaccurate++;
        track.fences.lastHeardAt = now;
      }
      this.rules.onPosition(track, p.battery);
    }
    if (transitions.length) this.record(transitions);
    if (this.store.pendingCount >= FLUSH_AT) this.store.flush();
  }

  /** Time passes: fence timeouts and delays, then the time-based alarm rules. */
  tick(now = Date.now()): void {
    const transitions: ZoneTransition[] = [];
    for (const [badge, track] of this.tracks) {
      this.fences.tick(badge, track.fences, now, transitions);
      const present = track.fences.insideIndexes().length > 0;
      if (!present && now - track.heardAt > FORGET_AFTER_MS && !this.bindings.get(badge)) this.tracks.delete(badge);
    }
    if (transitions.length) this.record(transitions);
    this.rules.tick(now, this.bindings.all(), (b) => this.tracks.get(b));
    if (this.positioningOnline())
      for (const p of this.population()) this.rules.population(now, p.zone, p.counted, p.badges);
  }

  /** Per evaluation zone with counting doors: people the doors counted in, and badges heard inside now. */
  population(): { zone: string; counted: number; badges: number }[] {
    return this.headCount.zones.map((id) => {
      const zone = this.zones.get(id)!;
      let badges = 0;
      for (const t of this.tracks.values()) if (t.fences.isInside(zone)) badges++;
      return { zone: id, counted: this.headCount.counted(id), badges };
    });
  }

  /** A witness's head count replaces the doors' (after an evacuation, say); defaults to the badges inside now. */
  recount(input: { zone?: string; counted?: number; by: string; note?: string | null }): LoggedEvent {
    const zone = input.zone ?? this.headCount.zones[0];
    const now = this.population().find((p) => p.zone === zone);
    if (!now) throw new DomainError('not-found', `zone: "${zone}" is not an evaluation zone with counting doors`);
    return this.headCount.recount({
      zone: now.zone,
      counted: input.counted ?? now.badges,
      badges: now.badges,
      by: input.by,
      note: input.note ?? null,
    });
  }

  flush(): number {
    return this.store.flush();
  }

  /** Deletes trajectory points past retention; the deletion itself is recorded. */
  purge(now = Date.now()): number {
    this.store.flush();
    const olderThan = now - this.config.retentionDays * 86_400_000;
    const points = this.store.purge(olderThan);
    if (points > 0)
      this.ctx.log.append({
        type: 'tracking.trajectories-purged',
        actor: 'system',
        data: { olderThan, points, retentionDays: this.config.retentionDays },
      });
    return points;
  }

  // ─── queries ─────────────────────────────────────────────────────────────

  /** Where everyone is now, for the live map: pseudonyms only. */
  positions(floor?: string): LivePosition[] {
    const now = Date.now();
    const out: LivePosition[] = [];
    for (const t of this.tracks.values()) {
      if (floor && t.floor !== floor) continue;
      if (now - t.heardAt > this.config.timeoutMs) continue;
      const b = this.bindings.get(t.badge);
      out.push({
        badge: t.badge,
        person: b?.person ?? null,
        role: b?.role ?? null,
        session: b?.session ?? null,
        floor: t.floor,
        x: t.x,
        y: t.y,
        accuracy: t.accuracy,
        battery: t.battery,
        at: t.at,
        zones: t.fences.insideIndexes().map((i) => this.zones.zones[i]!.id),
      });
    }
    return out.sort((a, b) => a.badge.localeCompare(b.badge));
  }

  /** Who is in each zone now and for how long. */
  occupancy(now = Date.now()): { zone: string; type: string; count: number; present: Stay[] }[] {
    const present = new Map<string, Stay[]>(this.zones.zones.map((z) => [z.id, []]));
    for (const t of this.tracks.values()) {
      const b = this.bindings.get(t.badge);
      for (const i of t.fences.insideIndexes()) {
        const z = this.zones.zones[i]!;
        const enteredAt = t.fences.enteredAt(z)!;
        present.get(z.id)!.push({
          zone: z.id,
          badge: t.badge,
          person: b?.person ?? null,
          session: b?.session ?? null,
          enteredAt,
          leftAt: null,
          dwellMs: now - enteredAt,
          reason: null,
        });
      }
    }
    return this.zones.zones.map((z) => {
      const list = present.get(z.id)!;
      return { zone: z.id, type: z.type, count: list.length, present: list };
    });
  }

  /** Finished stays (from `tracking.zone-left`), newest first, filtered by zone, person or session and time. */
  stays(q: { zone?: string; person?: string; session?: string; from?: number; to?: number; limit?: number }): Stay[] {
    const where = ['left_at >= @from', 'entered_at < @to'];
    if (q.zone) where.push('zone = @zone');
    if (q.person) where.push('person = @person');
    if (q.session) where.push('session = @session');
    return this.ctx.db
      .prepare(
        `SELECT zone, badge, person, session, entered_at AS enteredAt, left_at AS leftAt, dwell_ms AS dwellMs, reason
         FROM tracking_stays WHERE ${where.join(' AND ')} ORDER BY left_at DESC LIMIT @limit`,
      )
      .all({ ...q, from: q.from ?? 0, to: q.to ?? Number.MAX_SAFE_INTEGER, limit: q.limit ?? 1000 }) as Stay[];
  }

  /**
   * Replays a badge's (or a person's, through the badges they carried) stored trajectory. Every replay is
   * itself recorded: who looked at whose track, for which period, and how many points they saw.
   */
  trajectory(q: { badge?: string; person?: string; from: number; to: number; by: string; limit?: number }): {
    points: TrajectoryPoint[];
    auditSeq: number;
  } {
    if (!q.badge === !q.person) throw new DomainError('invalid', 'give exactly one of badge or person');
    if (!(q.to > q.from)) throw new DomainError('invalid', 'to: must be after from');
    this.store.flush();
    const limit = q.limit ?? 100_000;
    const spans = q.badge
      ? [{ badge: q.badge, from: q.from, to: q.to }]
      : this.bindings.historyOf(q.person!, q.from, q.to).map((h) => ({
          badge: h.badge,
          from: Math.max(h.from, q.from),
          to: Math.min(h.to ?? q.to, q.to),
        }));
    const points = spans
      .flatMap((s) => this.store.query(s.badge, s.from, s.to, limit))
      .sort((a, b) => a.at - b.at)
      .slice(0, limit);
    const audit = this.ctx.log.append({
      type: 'tracking.trajectory-viewed',
      actor: q.by,
      method: 'console',
      subject: q.badge ?? q.person!,
      data: { badge: q.badge ?? null, person: q.person ?? null, from: q.from, to: q.to, points: points.length },
    });
    return { points, auditSeq: audit.seq };
  }

  /** Gives a badge to staff (or an expert by hand) or takes it back, through the record. */
  assignBadge(input: {
    badge: string;
    person: string;
    role: 'staff' | 'expert';
    session?: string;
    by: string;
  }): LoggedEvent {
    return this.ctx.log.append({
      type: 'tracking.badge-assigned',
      actor: input.by,
      method: 'console',
      subject: input.badge,
      session: input.session ?? null,
      data: { badge: input.badge, person: input.person, role: input.role },
    });
  }

  releaseBadge(badge: string, by: string, reason: string | null): LoggedEvent {
    if (!this.bindings.get(badge)) throw new DomainError('not-found', `badge ${badge} is not bound to anyone`);
    return this.ctx.log.append({
      type: 'tracking.badge-released',
      actor: by,
      method: 'console',
      subject: badge,
      data: { badge, reason },
    });
  }

  // ─── internals ───────────────────────────────────────────────────────────

  private record(transitions: ZoneTransition[]): void {
    this.stats.transitions += transitions.length;
    const events: EventInput[] = transitions.map((tr) => {
      const holder = this.bindings.get(tr.badge);
      const left = tr.kind === 'left';
      return {
        type: left ? 'tracking.zone-left' : 'tracking.zone-entered',
        session: holder?.session ?? null,
        actor: holder?.person ?? null,
        method: 'rtls-badge',
        subject: tr.badge,
        at: tr.at,
        data: {
          zone: tr.zone.id,
          zoneType: tr.zone.type,
          badge: tr.badge,
          person: holder?.person ?? null,
          enteredAt: tr.enteredAt,
          ...(left ? { leftAt: tr.leftAt, dwellMs: tr.leftAt! - tr.enteredAt, reason: tr.reason } : {}),
        },
      };
    });
    this.ctx.log.appendMany(events);
    for (const tr of transitions) this.rules.onTransition(tr, this.tracks.get(tr.badge)!, this.bindings.get(tr.badge));
    // A badge checked out inside the zone is released once it has walked out (not when it merely went silent).
    for (const tr of transitions) {
      const holder = this.bindings.get(tr.badge);
      if (tr.kind === 'left' && tr.reason === 'moved' && tr.zone.type === 'evaluation-zone' && holder?.checkedOutAt)
        this.releaseBadge(tr.badge, 'system', 'left-zone-after-check-out'); // an id: it goes upstream
    }
  }

  private inEvaluationZone(badge: string): boolean {
    const track = this.tracks.get(badge);
    return !!track && track.fences.insideIndexes().some((i) => this.zones.zones[i]!.type === 'evaluation-zone');
  }

  /** Badges present mean something only while the positioning engine reports. */
  private positioningOnline(): boolean {
    const engines = this.ctx.venue.devices.filter((d) => d.kind === 'rtls');
    return engines.length > 0 && engines.every((d) => this.ctx.registry.get(d.id)?.online);
  }

  private sessionFacts(id: string): SessionFacts | null {
    if (!this.sessionCache.has(id)) {
      const s = this.sessions.get(id);
      this.sessionCache.set(id, s ? { room: s.room, state: s.state } : null);
    }
    return this.sessionCache.get(id)!;
  }

  private sessionChanged(id: string): void {
    const before = this.sessionCache.get(id);
    this.sessionCache.delete(id);
    const now = this.sessionFacts(id);
    if (now && now.state !== before?.state) this.rules.onSessionState(id, now.state, this.bindings.list());
  }

  private startTimers(): void {
    const every = (ms: number, fn: () => unknown) => {
      const timer = setInterval(() => {
        try {
          fn();
        } catch (err) {
          this.ctx.logger.error({ err }, 'tracking timer failed');
        }
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.config.tickMs, () => this.tick());
    every(this.config.flushMs, () => this.store.flush());
    every(this.config.purgeEveryMs, () => this.purge());
  }

  private stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}
