import type { Logger } from 'pino';
import type { SessionService } from '../sessions/session-service.ts';
import type { EventLog, LoggedEvent } from '../store/event-log.ts';
import type { VideoService } from './video-service.ts';

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
 * keeps them; each is a `video.locked` event.
 */
export class SessionFootage {
  private readonly marginMs: number;
  private readonly archiveMs: number;
  private readonly overrunMs: number;
  private readonly onChanged = (session: string, e: LoggedEvent) => this.sessionChanged(session, e);

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
  }

  stop(): void {
    this.sessions.off('changed', this.onChanged);
  }

  private sessionChanged(id: string, e: LoggedEvent): void {
    if (e.type !== 'session.state-changed') return;
    const to = (e.data as { to?: string }).to;
    if (to !== 'in-progress' && to !== 'completed') return;
    const s = this.sessions.get(id);
    if (!s) return;
    // A resumed session keeps its first start, so its lock is the same row (session, camera, from), redrawn.
    const startedAt =
      this.log.query({ session: id, type: 'session.state-changed' }).find((x) => x.data.to === 'in-progress')?.at ??
      e.at;
    const from = Math.min(s.start, startedAt) - this.marginMs;
    const end = to === 'completed' ? e.at + this.marginMs : Math.max(s.end, e.at) + this.overrunMs;
    for (const camera of this.video.camerasIn(s.room)) {
      try {
        this.video.lockSession(id, camera, from, end, end + this.archiveMs);
      } catch (err) {
        // The session's own change is committed already; a failed lock must not undo or fail it.
        this.logger?.error({ err, session: id, camera }, '录像锁定失败 locking session footage failed');
      }
    }
  }
}
