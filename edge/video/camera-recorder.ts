import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { rtspTimeoutOption, videoTool } from '../../devices/camera/video-tools.ts';
import { DIE_WITH_EDGE } from './die-with-edge.ts';
import { settleRun } from './leftovers.ts';
import { segmentChecker } from './segment-checker.ts';
import type { RecordingRun } from './segment-index.ts';
import { finishedAt, type Intake, quarantine, recordSegment } from './segment-intake.ts';

/** Where recording problems go: edge/alerts' AlarmEngine fits this shape. */
export interface AlarmSink {
  raise(a: { kind: string; level: 1 | 2 | 3; subject: string; details?: Record<string, unknown> }): unknown;
  clear(kind: string, subject: string, why: string): unknown;
}

export interface RecorderOptions {
  camera: string;
  /**
   * Where ffmpeg reads the camera's main stream: the edge's shared pull of it (stream-pulls.ts), known once
   * the pull's relay listens; asked again at every ffmpeg start.
   */
  streamUrl: () => Promise<string>;
  dir: string;
  /** Segment length, seconds (Frigate: 10; tests use 2). */
  segmentS?: number;
  /** No finished segment for this long means the recording stalled: ffmpeg is killed and restarted. */
  stallAfterMs?: number;
  /** Stalled this long: the camera is declared offline. */
  offlineAfterMs?: number;
  /** Told when segments arrive again (true) and when the camera is declared offline (false): its device health. */
  onHealth?: (recording: boolean) => void;
  /** Restart backoff: starts at `min`, doubles per failed attempt, capped at `max`. */
  backoffMs?: { min: number; max: number };
}

/** No finished segment for this long means a recording stalled (two segments and some slack by default). */
export const stallAfterMs = (segmentS: number) => segmentS * 2000 + 4000;

/**
 * H.265 segments are tagged `hvc1`, not ffmpeg's default `hev1`. Both name HEVC in MP4; hvc1 says every
 * parameter set (VPS/SPS/PPS) is in the sample entry (ffmpeg writes them there from the stream), hev1 that they
 * may also come in-band only. Apple's players (Safari, QuickTime) open only hvc1, while Chromium with HEVC, VLC,
 * ffmpeg and mp4box open both, so hvc1 is the file every auditor can play. It must be chosen while recording:
 * retagging later would change the file and no longer match the SHA-256 in the record. (Stream copy keeps the
 * camera's in-band parameter sets in the samples too; they normally repeat the sample entry's, and players
 * accept that.) The segment muxer keeps a tag only if it fits the codec and drops it otherwise, so the same
 * arguments record H.264 as avc1 — no need to know the camera's codec before its stream arrives.
 */
const HVC1 = ['-tag:v', 'hvc1'];

export type RecorderState = 'starting' | 'recording' | 'stalled' | 'paused' | 'stopped';

/**
 * One ffmpeg per camera, stream copy into short mp4 segments (Frigate's arguments, but sequence-numbered names). ffmpeg reports each
 * finished segment on stdout (`-segment_list pipe:1`); each is validated and hashed in a worker thread (segment-checker.ts), indexed and its
 * SHA-256 appended to the event log as `video.segment`; a file that fails the check is quarantined. Each ffmpeg
 * run is journaled before it starts and settled when it ends (its unreported files indexed or quarantined,
 * leftovers.ts), so what a crash leaves is found at the next start. A silent camera or ffmpeg is restarted with
 * backoff; the hole is a `video.gap` in the record and a gap on the timeline, and a `recording-gap` /
 * `camera-offline` alarm.
 */
export class CameraRecorder {
  state: RecorderState = 'starting';
  private proc?: ChildProcess;
  /** The current run's end: its output read, its segments indexed, the run settled. */
  private runEnded: Promise<void> = Promise.resolve();
  private lastSegmentAt = Date.now();
  private attemptAt = Date.now();
  private backoff: number;
  private restartTimer?: NodeJS.Timeout;
  private readonly watchdog: NodeJS.Timeout;
  /** Segments are indexed one at a time, in order, after whatever `after` waits for (leftovers of earlier runs). */
  private queue: Promise<void>;
  /** Set once stop() has settled everything: from then on nothing touches the index or the record. */
  private closed = false;
  /** Counts spawn() calls: only the latest one's wait for the stream may start ffmpeg. */
  private attempts = 0;
  private readonly o: Required<RecorderOptions>;

  constructor(
    options: RecorderOptions,
    private readonly intake: Intake,
    private readonly alarms: AlarmSink,
    { after = Promise.resolve(), paused = false }: { after?: Promise<void>; paused?: boolean } = {},
  ) {
    const segmentS = options.segmentS ?? 10;
    this.o = {
      segmentS,
      stallAfterMs: stallAfterMs(segmentS),
      offlineAfterMs: segmentS * 4000 + 10_000,
      backoffMs: { min: 1000, max: 30_000 },
      onHealth: () => {},
      // An option passed as undefined (VideoService forwards its own unset ones) keeps the default.
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RecorderOptions),
    };
    this.backoff = this.o.backoffMs.min;
    this.queue = after;
    mkdirSync(this.o.dir, { recursive: true });
    this.watchdog = setInterval(() => this.checkProgress(), 500);
    if (paused) this.state = 'paused';
    else this.spawn();
  }

  get camera(): string {
    return this.o.camera;
  }

  /** The recording ffmpeg's pid, for CPU accounting and fault tests. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /**
   * Stops recording for good: ffmpeg finishes its open segment, which is indexed and recorded like any other,
   * with every segment still queued, before this resolves. Nothing is indexed or appended afterwards, so the
   * store may close then.
   */
  async stop(): Promise<void> {
    this.state = 'stopped';
    clearInterval(this.watchdog);
    await this.endRun();
    this.closed = true;
  }

  /** Stops ffmpeg (its open segment is finished and indexed) until resume(); e.g. while the disk is full. */
  async pause(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'paused') return;
    this.state = 'paused';
    await this.endRun();
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'starting';
    this.lastSegmentAt = Date.now();
    this.spawn();
  }

  /** Ends the current ffmpeg run: asked to finish (SIGINT), killed if it does not; then waits for its settling. */
  private async endRun(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      // 'q' would finish the open segment, but a stuck RTSP read ignores it; SIGINT closes the mp4 cleanly.
      const exited = new Promise((ok) => proc.once('exit', ok));
      proc.kill('SIGINT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await this.runEnded;
  }

  /**
   * Starts an ffmpeg run once the stream flows, unless stopped, paused or restarted meanwhile (a wait longer than
   * the stall allowance is a stall: the watchdog raises the gap alarm and starts another attempt).
   */
  private spawn(): void {
    const attempt = ++this.attempts;
    this.o.streamUrl().then(
      (url) => {
        if (attempt === this.attempts && (this.state === 'starting' || this.state === 'stalled')) this.launch(url);
      },
      (err: Error) => attempt === this.attempts && this.interrupted(`no stream to read: ${err.message}`, this.proc),
    );
  }

  private launch(streamUrl: string): void {
    // Frigate names files by strftime; with 2 s segments two files can open in the same second and the second
    // would overwrite the first, so names are run id + sequence number. Wall-clock times live in the index.
    const ffmpeg = videoTool('ffmpeg');
    const prefix = `${this.o.camera}-${Date.now().toString(36)}`;
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      // The edge's own relay (loopback), which serves interleaved TCP.
      '-rtsp_transport',
      'tcp',
      rtspTimeoutOption(ffmpeg),
      String(Math.round(this.o.stallAfterMs * 1000)),
      '-i',
      streamUrl,
      '-map',
      '0:v',
      '-c',
      'copy',
      ...HVC1,
      '-f',
      'segment',
      '-segment_time',
      String(this.o.segmentS),
      '-segment_format',
      'mp4',
      '-reset_timestamps',
      '1',
      '-segment_list',
      'pipe:1',
      '-segment_list_type',
      'csv',
      join(this.o.dir, `${prefix}-%06d.mp4`),
    ];
    const [command, ...wrapper] = DIE_WITH_EDGE;
    const proc = spawn(command!, [...wrapper, ffmpeg, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    const run: RecordingRun = {
      prefix,
      camera: this.o.camera,
      dir: this.o.dir,
      pid: proc.pid ?? null,
      started: Date.now(),
    };
    // Journaled before ffmpeg writes its first file, so a crash from here on leaves a trail to them.
    this.intake.index.beginRun(run);
    this.proc = proc;
    this.state = 'starting';
    this.attemptAt = Date.now();
    // Wall-clock time of stream time 0 in this run. ffmpeg closes a segment file (its last write) as that
    // segment's stream time ends, so a file's mtime less its end in stream time is the run's base — never early,
    // but late when ffmpeg wrote the segment from a backlog: the first ones of a run come out of the packets it
    // buffered while probing the stream (seconds). So the base is the least seen so far: from the first live
    // segment on, segments sit where they were filmed and tile the timeline exactly. (The time this line is read
    // is later still: a busy event loop, e.g. an edge starting up, delays it by seconds.) A leftover found after
    // a crash is placed by its mtime the same way.
    let base = Number.POSITIVE_INFINITY;
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const [file = '', startS, endS] = line.split(',');
      const path = file.includes('/') ? file : join(this.o.dir, basename(file));
      base = Math.min(base, (finishedAt(path) ?? Date.now()) - Number(endS) * 1000);
      const start = Math.round(base + Number(startS) * 1000);
      const end = Math.round(base + Number(endS) * 1000);
      this.enqueue(() => this.finish(path, start, end, prefix));
    });
    // 'close' comes after the last line of stdout; then the run's unreported files (the one being written when
    // ffmpeg died) are settled behind its reported ones.
    this.runEnded = new Promise((ended) =>
      proc.once('close', () => {
        this.enqueue(() => settleRun(this.intake, run));
        this.queue.then(ended);
      }),
    );
    proc.on('error', (err) => this.interrupted(`ffmpeg could not start: ${err.message}`, proc));
    proc.on('exit', () => this.interrupted('ffmpeg exited', proc));
  }

  /** Queues indexing work; a failure (disk, database) is recorded and leaves the file for the run's settling. */
  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue
      .then(() => (this.closed ? undefined : work()))
      .catch((err: Error) => {
        if (this.closed) return;
        this.intake.log.append({
          type: 'video.segment-unindexed',
          subject: this.o.camera,
          data: { camera: this.o.camera, reason: err.message },
        });
      });
  }

  private async finish(path: string, start: number, end: number, run: string): Promise<void> {
    const check = await segmentChecker.check(path);
    if (this.closed) return;
    if (!check.ok) {
      quarantine(this.intake, this.o.camera, path, check.reason);
      return;
    }
    recordSegment(
      this.intake,
      {
        camera: this.o.camera,
        start,
        // The file's own duration is the truth for it; the run's clock places it on the wall.
        end: Math.max(end, start + Math.round(check.durationS * 1000)),
        size: check.size,
        path,
        sha256: check.sha256,
      },
      { codec: check.codec, run },
    );
    this.lastSegmentAt = Date.now();
    this.backoff = this.o.backoffMs.min;
    // The last segment of a stopped (or paused) recorder is indexed too, but must not bring it back to life.
    if (this.state === 'starting' || this.state === 'stalled') {
      this.state = 'recording';
      this.alarms.clear('recording-gap', this.o.camera, 'recording resumed');
      this.alarms.clear('camera-offline', this.o.camera, 'recording resumed');
      this.o.onHealth(true);
    }
  }

  private checkProgress(): void {
    if (this.state === 'stopped' || this.state === 'paused') return;
    const now = Date.now();
    const silentMs = now - this.lastSegmentAt;
    if (silentMs > this.o.offlineAfterMs) {
      this.alarms.raise({ kind: 'camera-offline', level: 2, subject: this.o.camera, details: { silentMs } });
      this.o.onHealth(false);
    }
    // Each attempt gets its own stall allowance, so a restarted ffmpeg has time to connect.
    if (this.state !== 'stalled' && now - Math.max(this.lastSegmentAt, this.attemptAt) > this.o.stallAfterMs) {
      this.interrupted(`no segment for ${silentMs} ms`, this.proc);
    }
  }

  /** The current run failed (ffmpeg exited, or went silent): the gap alarm, and a restart after the backoff. */
  private interrupted(reason: string, proc: ChildProcess | undefined): void {
    if (proc !== this.proc || this.state === 'stopped' || this.state === 'paused' || this.restartTimer) return;
    this.state = 'stalled';
    this.alarms.raise({
      kind: 'recording-gap',
      level: 2,
      subject: this.o.camera,
      details: { reason, since: this.intake.index.lastEnd(this.o.camera) },
    });
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      // A silent ffmpeg is asked to finish its open segment, so the footage it holds is kept; killed if it does not.
      proc.kill('SIGINT');
      setTimeout(() => proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL'), 3000).unref();
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state === 'stalled') this.spawn();
    }, this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.o.backoffMs.max);
  }
}
