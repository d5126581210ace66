import { statfsSync } from 'node:fs';
import type { EventLog } from '../store/event-log.ts';
import type { AlarmSink } from './camera-recorder.ts';

export interface DiskGuardOptions {
  /**
   * Recording stops while the recording volume has less free space than this, so that the event log (on the same
   * volume in a default install) can still record what happens — the refusal first of all.
   */
  reserveBytes: number;
  /** How often free space is read, ms. */
  everyMs?: number;
}

/**
 * Refuses new footage when the disk is nearly full, instead of letting ffmpeg and SQLite fail on a full disk:
 * under `reserveBytes` free, recording pauses (`onChange(true)`), the `disk-full` alarm is raised and
 * `video.recording-refused` recorded; once free space is back to twice the reserve (so it does not flap at
 * the line), recording resumes, the alarm clears and `video.recording-resumed` is recorded. The footage missed
 * meanwhile is a gap like any other.
 */
export class DiskGuard {
  full = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: { log: EventLog; alarms: AlarmSink; onError?: (err: Error) => void },
    private readonly options: DiskGuardOptions,
    private readonly onChange: (full: boolean) => void,
    private readonly freeBytes: () => number,
  ) {
    this.timer = setInterval(() => this.check(), options.everyMs ?? 1000);
    this.timer.unref();
  }

  /**
   * Reads free space and pauses or resumes recording; returns whether the disk counts as full. Recording is paused
   * before anything is written: on a disk another program filled to the last byte the record may fail to take
   * the refusal (reported to `onError`), but ffmpeg stops writing and the edge runs on.
   */
  check(): boolean {
    const free = this.freeBytes();
    const { reserveBytes } = this.options;
    if (!this.full && free < reserveBytes) {
      this.full = true;
      this.onChange(true);
      this.tell(() => {
        this.deps.log.append({
          type: 'video.recording-refused',
          subject: 'video-storage',
          data: { free, reserveBytes },
        });
        this.deps.alarms.raise({
          kind: 'disk-full',
          level: 3,
          subject: 'video-storage',
          details: { free, reserveBytes },
        });
      });
    } else if (this.full && free >= 2 * reserveBytes) {
      this.full = false;
      this.tell(() => {
        this.deps.log.append({
          type: 'video.recording-resumed',
          subject: 'video-storage',
          data: { free, reserveBytes },
        });
        this.deps.alarms.clear('disk-full', 'video-storage', 'free space is back');
      });
      this.onChange(false);
    }
    return this.full;
  }

  private tell(record: () => void): void {
    try {
      record();
    } catch (err) {
      this.deps.onError?.(err as Error);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Free bytes for an unprivileged writer on the volume holding `dir`. */
export function freeBytesAt(dir: string): number {
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
}
