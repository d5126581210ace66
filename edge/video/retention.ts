import { unlinkSync } from 'node:fs';
import type { EventLog } from '../store/event-log.ts';
import type { AlarmSink } from './camera-recorder.ts';
import { freeBytesAt } from './disk-guard.ts';
import type { Segment, SegmentIndex } from './segment-index.ts';

export interface RetentionPolicy {
  /** Rolling period for footage not locked to a session (general CCTV), days. Default 30. */
  rollingDays?: number;
  /** Recordings may use at most this many bytes; the oldest unlocked footage goes first. */
  quotaBytes?: number;
  /** Raise `disk-low` when the recording volume has less free space than this. */
  minFreeBytes?: number;
}

const DAY = 86_400_000;

/**
 * Retention by data class: general footage rolls after `rollingDays`; footage locked to an evaluation session
 * stays until its archive period ends, whatever the quota says. Every deletion is recorded
 * (`video.retention`), so an auditor can tell policy deletions from tampering.
 */
export class Retention {
  constructor(
    private readonly index: SegmentIndex,
    private readonly log: EventLog,
    private readonly alarms: AlarmSink,
    private readonly dir: string,
    private readonly policy: RetentionPolicy = {},
  ) {}

  /** One sweep: expire, then evict for the quota, then check free disk. Returns what was deleted. */
  sweep(now = Date.now()): { deleted: Segment[]; quotaExceededByLocked: boolean } {
    const deleted: Segment[] = [];
    const rolling = (this.policy.rollingDays ?? 30) * DAY;
    const expired = this.index.expired(now - rolling, now);
    this.remove(expired, 'rolling-period', deleted);
    let quotaExceededByLocked = false;
    const quota = this.policy.quotaBytes;
    if (quota !== undefined) {
      let total = this.index.totalBytes();
      while (total > quota) {
        const batch = this.index.oldestUnlocked(now, 100);
        if (batch.length === 0) {
          quotaExceededByLocked = true;
          break;
        }
        const evict: Segment[] = [];
        for (const s of batch) {
          if (total <= quota) break;
          evict.push(s);
          total -= s.size;
        }
        this.remove(evict, 'disk-quota', deleted);
      }
    }
    const free = freeBytesAt(this.dir);
    const low = quotaExceededByLocked || (this.policy.minFreeBytes !== undefined && free < this.policy.minFreeBytes);
    if (low) {
      this.alarms.raise({
        kind: 'disk-low',
        level: 3,
        subject: 'video-storage',
        details: { freeBytes: free, usedBytes: this.index.totalBytes(), lockedFootageOverQuota: quotaExceededByLocked },
      });
    } else {
      this.alarms.clear('disk-low', 'video-storage', 'space available again');
    }
    return { deleted, quotaExceededByLocked };
  }

  private remove(segments: Segment[], reason: string, deleted: Segment[]): void {
    if (segments.length === 0) return;
    for (const s of segments) {
      // Locked footage is never passed here (the index queries exclude it); this guards the invariant anyway.
      if (s.lockedUntil !== null && s.lockedUntil > Date.now()) throw new Error(`refusing to delete locked ${s.path}`);
      try {
        unlinkSync(s.path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      this.index.remove(s.id);
      deleted.push(s);
    }
    this.log.append({
      type: 'video.retention',
      subject: 'video-storage',
      data: {
        reason,
        segments: segments.map((s) => ({ camera: s.camera, start: s.start, end: s.end, sha256: s.sha256 })),
        bytes: segments.reduce((n, s) => n + s.size, 0),
      },
    });
  }
}
