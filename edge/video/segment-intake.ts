import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { EventLog } from '../store/event-log.ts';
import { GAP_TOLERANCE_MS } from './coverage.ts';
import type { Segment, SegmentIndex } from './segment-index.ts';

/** Where a camera's segment files enter the index and the record, or are set aside. */
export interface Intake {
  index: SegmentIndex;
  log: EventLog;
  /** Files that fail the segment check are moved here, under their camera's folder. */
  quarantineDir: string;
}

/** When ffmpeg finished writing a file (it closes a segment as the segment's stream time ends): its mtime, ms. */
export function finishedAt(path: string): number | null {
  try {
    return Math.round(statSync(path).mtimeMs);
  } catch {
    return null;
  }
}

export type NewSegment = Omit<Segment, 'id' | 'lockedSession' | 'lockedUntil'>;

/**
 * Indexes a checked segment (it inherits any session lock over its time) and records it: first a `video.gap`
 * when it does not follow on from the camera's indexed footage — after an ffmpeg restart, an outage, or an edge
 * that was down — then `video.segment` with its SHA-256. A start a little before the previous end (run clocks
 * differ by milliseconds) is moved up to it, so footage never overlaps on the timeline.
 */
export function recordSegment(
  { index, log }: Intake,
  segment: NewSegment,
  facts: { codec: string; run: string; recovered?: true },
): Segment {
  const seg = { ...segment };
  const last = index.lastEnd(seg.camera);
  if (last !== null && seg.start - last > GAP_TOLERANCE_MS) {
    log.append({ type: 'video.gap', subject: seg.camera, data: { camera: seg.camera, from: last, to: seg.start } });
  } else if (last !== null && seg.start < last && last < seg.end) {
    seg.start = last;
  }
  const stored = index.add(seg);
  log.append({
    type: 'video.segment',
    session: stored.lockedSession,
    subject: seg.camera,
    data: {
      camera: seg.camera,
      start: seg.start,
      end: seg.end,
      size: seg.size,
      sha256: seg.sha256,
      codec: facts.codec,
      file: basename(seg.path),
      run: facts.run,
      ...(facts.recovered && { recovered: true }),
    },
  });
  return stored;
}

/**
 * Moves a file that is not a valid segment (cut short by a crash, empty, damaged) out of the camera's folder and
 * records what it was: its size and SHA-256 as found, where it went and why. It is never indexed as footage.
 */
export function quarantine({ log, quarantineDir }: Intake, camera: string, path: string, reason: string): string {
  const dir = join(quarantineDir, camera);
  mkdirSync(dir, { recursive: true });
  const movedTo = join(dir, basename(path));
  // Read before the move: a file cut short by a crash is small, and the record keeps what was found.
  const bytes = readFileSync(path);
  renameSync(path, movedTo);
  log.append({
    type: 'video.segment-quarantined',
    subject: camera,
    data: {
      camera,
      file: basename(path),
      movedTo,
      reason,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      mtime: Math.round(statSync(movedTo).mtimeMs),
    },
  });
  return movedTo;
}
