import type { Logger } from 'pino';
import type { EvaluationSession } from '../sessions/model.ts';
import type { SessionService } from '../sessions/session-service.ts';
import type { EventLog, TypedEvent } from '../store/event-log.ts';
import type { Placement, VideoService } from './video-service.ts';

export interface SessionFootageOptions {
  /** Footage kept either side of the session, ms (people enter before it starts and leave after). Default 5 min. */
  marginMs?: number;
  /** How long locked footage is kept after the session ends (its archive period), days. Default 180. */
  archiveDays?: number;
  /** While a session runs its end is unknown: footage is locked up to the scheduled end plus this, ms. Default 4 h. */
  overrunMs?: number;
}

const DAY = 86_400_000;

/**
 * Binds each evaluation room's footage to the session held there, with no one calling lockSession by hand:
 * when a session goes in progress, its room's cameras are locked from its start (the earlier of scheduled and
 * actual, less the margin) to its scheduled end plus an overrun allowance, so footage recorded while it runs
 * inherits the lock; when it completes, the lock is redrawn to end at the actual end plus the margin (footage
 * recorded past the scheduled end is locked then too). The locks are rows in SQLite, so a restart mid-session
 * keeps them; each is a `video.locked` event. A camera moved between rooms binds to each room's session only
 * the footage it recorded there: its lock in the old room ends, and the new room's begins, when it moved.
 */
export class SessionFootage {
  private readonly marginMs: number;
  private readonly archiveMs: number;
  private readonly overrunMs: number;
  private readonly onChanged = (session: string, e: TypedEvent) => this.sessionChanged(session, e);
  private readonly onFilming = (camera: string, zone: string) => this.cameraFilming(camera, zone);
  private readonly onMoved = (camera: string, from: Placement, to: Placement) => this.cameraMoved(camera, from, to);

  constructor(
    private readonly video: VideoService,
    private readonly sessions: SessionService,
    private readonly log: EventLog,
    options: SessionFootageOptions = {},
    private readonly logger?: Logger,
  ) {
    this.marginMs = options.marginMs ?? 5 * 60_000;
    this.archiveMs = (options.archiveDays ?? 180) * DAY;
    this.overrunMs = options.overrunMs ?? 4 * 3600_000;
  }

  start(): void {
    this.sessions.on('changed', this.onChanged);
    this.video.on('filming', this.onFilming);
    this.video.on('moved', this.onMoved);
  }

  stop(): void {
    this.sessions.off('changed', this.onChanged);
    this.video.off('filming', this.onFilming);
    this.video.off('moved', this.onMoved);
  }

  private sessionChanged(id: string, e: TypedEvent): void {
    if (e.type !== 'session.state-changed') return;
    const to = e.data.to;
    if (to !== 'in-progress' && to !== 'completed') return;
    const s = this.sessions.get(id);
    if (!s) return;
    const { from, runningTo } = this.window(s);
    const end = to === 'completed' ? e.at + this.marginMs : runningTo;
    for (const camera of this.video.camerasIn(s.room)) this.lock(id, camera, this.filmedFrom(camera, from), end);
  }

  /**
   * A camera adopted into (or moved to) a room while a session runs there is locked at once, as if it had been
   * there at the start (or since it moved in): waiting for completion would leave what it records meanwhile to
   * quota eviction.
   */
  private cameraFilming(camera: string, zone: string): void {
    for (const s of this.running(zone)) {
      const { from, runningTo } = this.window(s);
      this.lock(s.id, camera, this.filmedFrom(camera, from), runningTo);
    }
  }

  /**
   * A camera moved out of a room where a session runs: its lock there is redrawn (same row) to end when it
   * moved, so what it records in its new room is not that session's, and what it recorded there stays so.
   */
  private cameraMoved(camera: string, from: Placement, to: Placement): void {
    for (const s of this.running(from.zone)) {
      const { from: start, runningTo } = this.window(s);
      const lockFrom = Math.max(start, from.since);
      if (to.since > lockFrom) this.lock(s.id, camera, lockFrom, to.since, runningTo + this.archiveMs);
    }
    this.cameraFilming(camera, to.zone);
  }

  private running(room: string): EvaluationSession[] {
    return [...this.sessions.list({ room, state: 'in-progress' }), ...this.sessions.list({ room, state: 'suspended' })];
  }

  /** A camera moved into the room after the session's footage began is the session's only since it moved in. */
  private filmedFrom(camera: string, sessionFrom: number): number {
    return Math.max(sessionFrom, this.video.placement(camera)?.since ?? 0);
  }

  /**
   * The session's footage window while it runs: from its start (the earlier of scheduled and its first
   * in-progress; a resumed session keeps it, so its lock stays the same row, redrawn) less the margin, to its
   * scheduled end (or its last start, if later) plus the overrun allowance.
   */
  private window(s: EvaluationSession): { from: number; runningTo: number } {
    const started = this.log
      .query({ session: s.id, type: 'session.state-changed' })
      .filter((x) => x.data.to === 'in-progress')
      .map((x) => x.at);
    const first = started[0] ?? Date.now();
    const last = started.at(-1) ?? first;
    return { from: Math.min(s.start, first) - this.marginMs, runningTo: Math.max(s.end, last) + this.overrunMs };
  }

  private lock(session: string, camera: string, from: number, to: number, until = to + this.archiveMs): void {
    try {
      this.video.lockSession(session, camera, from, to, until);
    } catch (err) {
      // The session's own change (or the camera's adoption) is committed already; a failed lock must not undo it.
      this.logger?.error({ err, session, camera }, '录像锁定失败 locking session footage failed');
    }
  }
}
