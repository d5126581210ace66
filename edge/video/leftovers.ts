import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { segmentChecker } from './segment-checker.ts';
import type { RecordingRun } from './segment-index.ts';
import { finishedAt, type Intake, quarantine, recordSegment } from './segment-intake.ts';

/**
 * Whether the run's ffmpeg is still alive: its pid exists, is not a zombie, and its command line names the run
 * (a pid reused by another program is left alone). Linux /proc.
 */
export function runAlive(run: RecordingRun): boolean {
  if (!run.pid) return false;
  try {
    const stat = readFileSync(`/proc/${run.pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    return readFileSync(`/proc/${run.pid}/cmdline`, 'utf8').includes(`${run.prefix}-`);
  } catch {
    return false;
  }
}

/**
 * Asks the still-running ffmpegs of earlier runs to quit (SIGTERM: each finishes the segment it writes). They
 * die with their edge (the parent-death signal, camera-recorder.ts); this is for one that did not, e.g. an edge
 * killed while it was starting the ffmpeg. Returns the runs asked.
 */
export function stopOrphans(runs: RecordingRun[]): RecordingRun[] {
  const orphans = runs.filter(runAlive);
  for (const run of orphans) signal(run, 'SIGTERM');
  return orphans;
}

/** Signals the run's ffmpeg; one that died meanwhile (or is not ours to signal) is left to `runAlive`. */
function signal(run: RecordingRun, name: NodeJS.Signals): void {
  try {
    process.kill(run.pid!, name);
  } catch {
    // ESRCH: gone already
  }
}

/** Waits for the run's ffmpeg to be gone; after `graceMs` it is killed. */
async function gone(run: RecordingRun, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (runAlive(run)) {
    if (Date.now() > deadline + graceMs) throw new Error(`ffmpeg ${run.pid} of run ${run.prefix} does not die`);
    if (Date.now() > deadline) signal(run, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Accounts for every file of an ended run that ffmpeg did not report, or that was not indexed before its edge
 * died: a valid one is hashed, indexed (inheriting its session's lock) and recorded as `video.segment` with
 * `recovered: true`, placed on the timeline by the file's last write (its end) and its measured duration; an
 * invalid one — usually the segment being written when ffmpeg or the machine died — is quarantined. Then the run is
 * settled. Files are taken in name (sequence) order.
 */
export async function settleRun(intake: Intake, run: RecordingRun, graceMs = 5000): Promise<void> {
  await gone(run, graceMs);
  let names: string[];
  try {
    names = readdirSync(run.dir);
  } catch {
    names = [];
  }
  for (const name of names.filter((n) => n.startsWith(`${run.prefix}-`) && n.endsWith('.mp4')).sort()) {
    const path = join(run.dir, name);
    if (intake.index.has(path)) continue;
    const check = await segmentChecker.check(path);
    if (!check.ok) {
      quarantine(intake, run.camera, path, check.reason);
      continue;
    }
    const end = finishedAt(path) ?? Date.now();
    recordSegment(
      intake,
      {
        camera: run.camera,
        start: end - Math.round(check.durationS * 1000),
        end,
        size: check.size,
        path,
        sha256: check.sha256,
      },
      { codec: check.codec, run: run.prefix, recovered: true },
    );
  }
  intake.index.settleRun(run.prefix);
}
