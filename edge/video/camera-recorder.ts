import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { rtspTimeoutOption, videoTool } from '../../devices/camera/video-tools.ts';
import type { EventLog } from '../store/event-log.ts';
import { checkSegment } from './segment-check.ts';
import type { Segment, SegmentIndex } from './segment-index.ts';

/** Where recording problems go: edge/alerts' AlarmEngine fits this shape. */
export interface AlarmSink {
  raise(a: { kind: string; level: 1 | 2 | 3; subject: string; details?: Record<string, unknown> }): unknown;
  clear(kind: string, subject: string, why: string): unknown;
}

export interface RecorderOptions {
  camera: string;
  streamUrl: string;
  dir: string;
  /** Segment length, seconds (Frigate: 10; tests use 2). */
  segmentS?: number;
  /** No finished segment for this long means the recording stalled: ffmpeg is killed and restarted. */
  stallAfterMs?: number;
  /** Stalled this long: the camera is declared offline. */
  offlineAfterMs?: number;
  /** Restart backoff: starts at `min`, doubles per failed attempt, capped at `max`. */
  backoffMs?: { min: number; max: number };
  /** RTP over the RTSP TCP connection (cameras) or UDP (servers without interleaving, e.g. the simulator). */
  rtspTransport?: 'tcp' | 'udp';
  /** A break between consecutive segments longer than this is a gap. */
  gapToleranceMs?: number;
}

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

export type RecorderState = 'starting' | 'recording' | 'stalled' | 'stopped';

/**
 * One ffmpeg per camera, stream copy into short mp4 segments (Frigate's arguments, but sequence-numbered names). ffmpeg reports each
 * finished segment on stdout (`-segment_list pipe:1`); each is validated (segment-check.ts), hashed, indexed and its
 * SHA-256 appended to the event log as `video.segment`. A silent camera or ffmpeg is restarted with backoff;
 * the hole becomes a `video.gap` range on the timeline and a `recording-gap` / `camera-offline` alarm.
 */
export class CameraRecorder {
  state: RecorderState = 'starting';
  private proc?: ChildProcess;
  private run = 0;
  private lastSegmentEnd: number | null = null;
  private lastSegmentAt = Date.now();
  private attemptAt = Date.now();
  private backoff: number;
  private restartTimer?: NodeJS.Timeout;
  private readonly watchdog: NodeJS.Timeout;
  private queue = Promise.resolve();
  private readonly o: Required<RecorderOptions>;

  constructor(
    options: RecorderOptions,
    private readonly index: SegmentIndex,
    private readonly log: EventLog,
    private readonly alarms: AlarmSink,
  ) {
    const segmentS = options.segmentS ?? 10;
    this.o = {
      segmentS,
      stallAfterMs: segmentS * 2000 + 4000,
      offlineAfterMs: segmentS * 4000 + 10_000,
      backoffMs: { min: 1000, max: 30_000 },
      gapToleranceMs: 1500,
      rtspTransport: 'tcp',
      // An option passed as undefined (VideoService forwards its own unset ones) keeps the default.
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RecorderOptions),
    };
    this.backoff = this.o.backoffMs.min;
    mkdirSync(this.o.dir, { recursive: true });
    this.watchdog = setInterval(() => this.checkProgress(), 500);
    this.spawn();
  }

  get camera(): string {
    return this.o.camera;
  }

  /** The recording ffmpeg's pid, for CPU accounting and fault tests. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    clearInterval(this.watchdog);
    clearTimeout(this.restartTimer);
    const proc = this.proc;
    if (proc && proc.exitCode === null) {
      // 'q' would finish the open segment, but a stuck RTSP read ignores it; SIGINT closes the mp4 cleanly.
      const exited = new Promise((ok) => proc.once('exit', ok));
      proc.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    await this.queue;
  }

  private spawn(): void {
    const run = ++this.run;
    // Frigate names files by strftime; with 2 s segments two files can open in the same second and the second
    // would overwrite the first, so names are run id + sequence number. Wall-clock times live in the index.
    const ffmpeg = videoTool('ffmpeg');
    const pattern = join(this.o.dir, `${this.o.camera}-${Date.now().toString(36)}-%06d.mp4`);
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-rtsp_transport',
      this.o.rtspTransport,
      rtspTimeoutOption(ffmpeg),
      String(Math.round(this.o.stallAfterMs * 1000)),
      '-i',
      this.o.streamUrl,
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
      pattern,
    ];
    const proc = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.proc = proc;
    this.state = 'starting';
    this.attemptAt = Date.now();
    // Wall-clock time of stream time 0 in this run: fixed by the first finished segment, so the segments of
    // one run tile the timeline exactly.
    let base: number | null = null;
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const [file = '', startS, endS] = line.split(',');
      const now = Date.now();
      if (base === null) base = now - Number(endS) * 1000;
      const start = Math.round(base + Number(startS) * 1000);
      const end = Math.round(base + Number(endS) * 1000);
      const path = file.includes('/') ? file : join(this.o.dir, basename(file));
      this.queue = this.queue
        .then(() => this.finish(path, start, end, run))
        .catch((err: Error) => {
          // Indexing failed (disk, database): the file stays on disk; the record says why it is not indexed.
          this.log.append({
            type: 'video.segment-invalid',
            subject: this.o.camera,
            data: { path, reason: err.message },
          });
        });
    });
    proc.on('exit', () => {
      if (this.proc !== proc || this.state === 'stopped') return;
      this.interrupted('ffmpeg exited');
    });
  }

  private async finish(path: string, start: number, end: number, run: number): Promise<void> {
    const check = await checkSegment(path);
    if (!check.ok) {
      this.log.append({ type: 'video.segment-invalid', subject: this.o.camera, data: { path, reason: check.reason } });
      return;
    }
    const { sha256, size } = check;
    // The file's own duration is the truth for it; the run's clock places it on the wall.
    const seg: Omit<Segment, 'id' | 'lockedSession' | 'lockedUntil'> = {
      camera: this.o.camera,
      start,
      end: Math.max(end, start + Math.round(check.durationS * 1000)),
      size,
      path,
      sha256,
    };
    if (this.lastSegmentEnd !== null && seg.start - this.lastSegmentEnd > this.o.gapToleranceMs) {
      this.index.addGap(this.o.camera, this.lastSegmentEnd, seg.start);
      this.log.append({
        type: 'video.gap',
        subject: this.o.camera,
        data: { camera: this.o.camera, from: this.lastSegmentEnd, to: seg.start },
      });
    } else if (this.lastSegmentEnd !== null && seg.start < this.lastSegmentEnd) {
      // Clock jitter between runs must not make segments overlap on the timeline.
      seg.start = this.lastSegmentEnd;
    }
    const stored = this.index.add(seg);
    this.log.append({
      type: 'video.segment',
      session: stored.lockedSession,
      subject: this.o.camera,
      data: {
        camera: this.o.camera,
        start: seg.start,
        end: seg.end,
        size,
        sha256,
        codec: check.codec,
        file: basename(path),
        run,
      },
    });
    this.lastSegmentEnd = seg.end;
    this.lastSegmentAt = Date.now();
    this.backoff = this.o.backoffMs.min;
    // The last segment of a stopped recorder is indexed too, but must not bring the recorder back to life.
    if (this.state !== 'recording' && this.state !== 'stopped') {
      this.state = 'recording';
      this.alarms.clear('recording-gap', this.o.camera, 'recording resumed');
      this.alarms.clear('camera-offline', this.o.camera, 'recording resumed');
    }
  }

  private checkProgress(): void {
    if (this.state === 'stopped') return;
    const now = Date.now();
    const silentMs = now - this.lastSegmentAt;
    if (silentMs > this.o.offlineAfterMs) {
      this.alarms.raise({ kind: 'camera-offline', level: 2, subject: this.o.camera, details: { silentMs } });
    }
    // Each attempt gets its own stall allowance, so a restarted ffmpeg has time to connect.
    if (this.state !== 'stalled' && now - Math.max(this.lastSegmentAt, this.attemptAt) > this.o.stallAfterMs) {
      this.interrupted(`no segment for ${silentMs} ms`);
    }
  }

  private interrupted(reason: string): void {
    if (this.state === 'stopped' || this.restartTimer) return;
    this.state = 'stalled';
    this.alarms.raise({
      kind: 'recording-gap',
      level: 2,
      subject: this.o.camera,
      details: { reason, since: this.lastSegmentEnd },
    });
    const proc = this.proc;
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state !== 'stopped') this.spawn();
    }, this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.o.backoffMs.max);
  }
}
