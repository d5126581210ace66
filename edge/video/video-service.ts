import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Camera, Venue } from '../../config/schema.ts';
import { OnvifCamera } from '../../devices/camera/onvif-client.ts';
import { DomainError } from '../domain-error.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { Db } from '../store/database.ts';
import type { EventLog } from '../store/event-log.ts';
import { CameraAdoption } from './camera-adoption.ts';
import { type AlarmSink, CameraRecorder, type RecorderOptions, stallAfterMs } from './camera-recorder.ts';
import { gapsIn, type TimeRange } from './coverage.ts';
import { DiskGuard, freeBytesAt } from './disk-guard.ts';
import { settleRun, stopOrphans } from './leftovers.ts';
import { type CameraStream, LiveHub, type LiveSource } from './live-hub.ts';
import { Retention, type RetentionPolicy } from './retention.ts';
import { type Segment, SegmentIndex } from './segment-index.ts';
import type { Intake } from './segment-intake.ts';
import { type HeldStream, StreamPulls } from './stream-pulls.ts';

export interface VideoOptions {
  /** Segment length, seconds (10 on site, 2 in tests). */
  segmentS?: number;
  retention?: RetentionPolicy;
  /** How often retention sweeps, ms. */
  sweepEveryMs?: number;
  /** ONVIF credentials for the venue's cameras. */
  credentials?: { username: string; password: string };
  /** RTP transport from the cameras (their one pull per stream, stream-pulls.ts): tcp (their default) or udp. */
  rtspTransport?: 'tcp' | 'udp';
  /** The venue file's cameras and zones: where cameras are, and which ones the administrator may not remove. */
  venue?: Pick<Venue, 'cameras' | 'zones' | 'record'>;
  /** WS-Discovery targets (host:port) probed unicast when the administrator asks for discovery. */
  discoveryTargets?: string[];
  recorder?: Partial<Omit<RecorderOptions, 'camera' | 'streamUrl' | 'dir'>>;
  /** Recording pauses while the video volume has less free space than this (DiskGuard). Default 512 MB. */
  reserveBytes?: number;
  /** How often free space is read, ms (1000). */
  diskCheckEveryMs?: number;
}

export interface VideoDeps {
  db: Db;
  log: EventLog;
  alarms: AlarmSink;
  dataDir: string;
  /** Where the camera-password key lives (edge/keys-dir.ts); the data directory when not given (tests). */
  keysDir?: string;
  logger?: Logger;
  /** The device registry, told each camera's health as its recorder sees it (cameras send no heartbeats). */
  registry?: Pick<DeviceRegistry, 'cameraRecording'>;
}

/**
 * A camera to adopt: its ONVIF address, the zone it films when known (venue file, administrator), and its own
 * credentials when it has them (adopted cameras; venue-file cameras share the venue's).
 */
export type AdoptableCamera = Pick<Camera, 'id' | 'onvif'> & {
  zone?: string;
  credentials?: { username: string; password: string };
};

/** The zone a camera films, and since when its footage is that zone's (ms; 0: since it started). */
export interface Placement {
  zone: string;
  since: number;
}

/**
 * CCTV for the venue: cameras adopted over ONVIF (or given a stream URL directly), one recorder per camera,
 * retention by data class, live view. Timeline ranges (segments and gaps) come from the index and the record.
 * `filming` (camera, zone) is emitted when a camera starts recording in a zone, and `moved` (camera, from, to)
 * when an administrator moves it to another zone, so the sessions running in either room bind its footage at
 * once (SessionFootage).
 */
export class VideoService extends EventEmitter<{
  filming: [camera: string, zone: string];
  moved: [camera: string, from: Placement, to: Placement];
}> {
  readonly index: SegmentIndex;
  readonly live: LiveHub;
  /** One RTSP pull per camera stream, read by the recorder and the live views alike. */
  readonly pulls: StreamPulls;
  readonly retention: Retention;
  readonly dir: string;
  /** Cameras found by WS-Discovery and adopted (or removed) by an administrator. */
  readonly adoption: CameraAdoption;
  private readonly recorders = new Map<string, CameraRecorder>();
  /** Each recorder's hold on its camera's main stream. */
  private readonly recorded = new Map<string, HeldStream>();
  /** Camera → its RTSP URLs (with credentials): the main stream (recorded) and its substream, if it has one. */
  private readonly streams = new Map<string, { main: string; sub?: string }>();
  /** Camera → the zone (room) it films, for binding footage to the session held there. */
  private readonly zones = new Map<string, Placement>();
  private readonly sweepTimer: NodeJS.Timeout;
  /** Pending adoption retries, per camera. */
  private readonly retries = new Map<string, NodeJS.Timeout>();
  /** How often each camera was forgotten: an adoption begun before the last time gives up. */
  private readonly forgotten = new Map<string, number>();
  private stopped = false;
  private readonly intake: Intake;
  /**
   * The runs a previous edge left unsettled (it crashed, or was killed): their orphaned ffmpegs asked to quit at
   * once, then their files indexed or quarantined. Recorders index their own segments only after this.
   */
  readonly recovered: Promise<void>;
  /** Pauses every recorder while the disk is nearly full, and resumes them when space is back. */
  readonly disk: DiskGuard;

  constructor(
    private readonly deps: VideoDeps,
    private readonly options: VideoOptions = {},
  ) {
    super();
    this.dir = join(deps.dataDir, 'video');
    this.index = new SegmentIndex(deps.db);
    this.intake = { index: this.index, log: deps.log, quarantineDir: join(this.dir, 'quarantine') };
    this.recovered = this.recoverRuns();
    mkdirSync(this.dir, { recursive: true });
    this.disk = new DiskGuard(
      {
        ...deps,
        onError: (err) => deps.logger?.error({ err }, '磁盘已满，录像暂停未能记录 disk full: refusal not recorded'),
      },
      { reserveBytes: options.reserveBytes ?? 512 * 2 ** 20, everyMs: options.diskCheckEveryMs },
      (full) => {
        for (const r of this.recorders.values()) {
          if (full) void r.pause();
          else r.resume();
        }
      },
      () => freeBytesAt(this.dir),
    );
    this.disk.check();
    this.retention = new Retention(this.index, deps.log, deps.alarms, deps.dataDir, options.retention);
    this.pulls = new StreamPulls({ rtspTransport: options.rtspTransport });
    this.live = new LiveHub((camera, stream) => this.liveSource(camera, stream));
    this.sweepTimer = setInterval(() => this.sweepSafely(), options.sweepEveryMs ?? 60_000);
    this.sweepTimer.unref();
    for (const c of options.venue?.cameras ?? []) this.place(c.id, c.zone);
    this.adoption = new CameraAdoption(this, deps, options.venue, options.discoveryTargets);
  }

  /** Adopts a camera from the venue file over ONVIF: reads its stream URI, checks its clock, starts recording. */
  async adopt(camera: AdoptableCamera): Promise<void> {
    // Placed before it answers, so a session in its room also locks what it records once it comes back.
    if (camera.zone) this.placeIfUnplaced(camera.id, camera.zone);
    const epoch = this.forgotten.get(camera.id) ?? 0;
    const creds = camera.credentials ?? this.options.credentials ?? { username: 'admin', password: '' };
    const cam = await OnvifCamera.connect({ deviceService: camera.onvif, ...creds });
    const d = await cam.describe();
    if ((this.forgotten.get(camera.id) ?? 0) !== epoch)
      throw new DomainError('conflict', `camera ${camera.id} was removed while it was being adopted`);
    // The edge stopped while the camera answered: a recorder started now would outlive the database.
    if (this.stopped)
      throw new DomainError('stopping', `camera ${camera.id}: video stopped while it was being adopted`);
    this.deps.log.append({
      type: 'video.camera-adopted',
      subject: camera.id,
      data: {
        manufacturer: d.manufacturer,
        model: d.model,
        serial: d.serial,
        profiles: d.profiles,
        // Which profile is recorded (the largest) and which one live grids show (the smallest; null: none).
        streams: { main: d.mainProfile, sub: d.substream?.profile ?? null },
        ...(d.substreamError && { substreamError: d.substreamError }),
        clockDriftMs: Math.round(d.clockDriftMs),
      },
    });
    if (Math.abs(d.clockDriftMs) > 2000) {
      this.deps.alarms.raise({
        kind: 'camera-clock-drift',
        level: 1,
        subject: camera.id,
        details: { driftMs: Math.round(d.clockDriftMs) },
      });
    }
    const substreamUrl = d.substream ? withCredentials(d.substream.uri, creds) : undefined;
    this.record(camera.id, withCredentials(d.streamUri, creds), { zone: camera.zone, substreamUrl });
  }

  /**
   * Makes a camera's streams available for live view (record() does this too): the main stream, and the
   * substream that grid tiles show when the camera has one.
   */
  addCamera(camera: string, streamUrl: string, substreamUrl?: string): void {
    this.streams.set(camera, { main: streamUrl, sub: substreamUrl });
  }

  /** The stream live view asks for; a camera without a substream shows its main stream in tiles too. */
  private liveSource(camera: string, want: CameraStream): LiveSource | undefined {
    const urls = this.streams.get(camera);
    if (!urls) return undefined;
    const stream = want === 'sub' && urls.sub ? 'sub' : 'main';
    return { ...this.pulls.acquire(`${camera}/${stream}`, urls[stream]!), stream };
  }

  /**
   * Adopts the venue file's cameras. A camera that does not answer raises `camera-offline` and is retried
   * every `retryMs` until it does.
   */
  adoptAll(cameras: AdoptableCamera[], retryMs = 30_000): void {
    const attempt = (camera: AdoptableCamera) => {
      this.retries.delete(camera.id);
      const epoch = this.forgotten.get(camera.id) ?? 0;
      if (this.stopped) return;
      this.adopt(camera)
        .then(() => this.deps.alarms.clear('camera-offline', camera.id, 'camera answered over ONVIF'))
        .catch((err: Error) => {
          if (this.stopped || (this.forgotten.get(camera.id) ?? 0) !== epoch) return;
          this.deps.alarms.raise({
            kind: 'camera-offline',
            level: 2,
            subject: camera.id,
            details: { reason: err.message },
          });
          const timer = setTimeout(() => attempt(camera), retryMs);
          timer.unref();
          this.retries.set(camera.id, timer);
        });
    };
    for (const camera of cameras) attempt(camera);
  }

  /**
   * Starts recording a camera from its (main) RTSP URL (adopt() calls this after ONVIF), placed in `zone`;
   * `substreamUrl` is for live grids only, never recorded.
   */
  record(
    camera: string,
    streamUrl: string,
    { zone, substreamUrl }: { zone?: string; substreamUrl?: string } = {},
  ): CameraRecorder {
    if (this.stopped) throw new DomainError('stopping', `camera ${camera}: video is stopped`);
    if (this.recorders.has(camera)) throw new DomainError('conflict', `camera ${camera} is already recording`);
    this.addCamera(camera, streamUrl, substreamUrl);
    if (zone) this.placeIfUnplaced(camera, zone);
    const held = this.pulls.acquire(`${camera}/main`, streamUrl);
    this.recorded.set(camera, held);
    const rec = new CameraRecorder(
      {
        ...this.options.recorder,
        camera,
        streamUrl: held.url,
        dir: join(this.dir, camera),
        segmentS: this.options.segmentS,
        onHealth: (recording) => this.deps.registry?.cameraRecording(camera, recording),
      },
      this.intake,
      this.deps.alarms,
      // A full disk refuses a new recording too; it starts when space is back.
      { after: this.recovered, paused: this.disk.full },
    );
    this.recorders.set(camera, rec);
    const filmed = this.zones.get(camera);
    if (filmed) this.emit('filming', camera, filmed.zone);
    return rec;
  }

  /** The cameras placed in a zone (an evaluation room): from the venue file, adopted, or recorded with a zone. */
  camerasIn(zone: string): string[] {
    return [...this.zones].filter(([, p]) => p.zone === zone).map(([camera]) => camera);
  }

  /** Where a camera is and since when; undefined for a camera placed nowhere. */
  placement(camera: string): Placement | undefined {
    return this.zones.get(camera);
  }

  recorder(camera: string): CameraRecorder | undefined {
    return this.recorders.get(camera);
  }

  /**
   * Cameras with a stream; the main stream URL without the credentials it carries for RTSP, and whether the
   * camera has a substream for live grids.
   */
  cameras(): { camera: string; state: string; streamUrl: string; substream: boolean; zone: string | null }[] {
    return [...this.streams].map(([camera, urls]) => ({
      camera,
      streamUrl: withCredentials(urls.main, { username: '', password: '' }),
      substream: urls.sub !== undefined,
      state: this.recorders.get(camera)?.state ?? 'not-recording',
      zone: this.zones.get(camera)?.zone ?? null,
    }));
  }

  /** Places a camera in a zone (the venue file's, an adopted camera's room at start-up), saying nothing. */
  place(camera: string, zone: string, since = 0): void {
    this.zones.set(camera, { zone, since });
  }

  /**
   * When footage a camera records from now on begins: now, or where its indexed footage ends if that is later
   * (a run's wall clock is fixed by its first segment and may run a little ahead). A camera moved at that time
   * leaves everything already indexed to its old room.
   */
  footageFrom(camera: string, now = Date.now()): number {
    return Math.max(now, this.index.lastEnd(camera) ?? 0);
  }

  /**
   * Moves a camera to another zone; its footage from `since` on is that zone's. Recording goes on (the same
   * ffmpeg, no gap); `moved` tells SessionFootage to end the old room's session lock and start the new one's.
   */
  move(camera: string, zone: string, since = this.footageFrom(camera)): void {
    const from = this.zones.get(camera);
    if (!from) throw new DomainError('not-found', `camera ${camera} is placed in no zone`);
    if (from.zone === zone) return;
    const to = { zone, since };
    this.zones.set(camera, to);
    this.emit('moved', camera, from, to);
  }

  /**
   * The zone an adoption or a recording names places a camera not yet placed. A placed camera changes zone only
   * through move(): a retried adoption still carries the zone it was first given.
   */
  private placeIfUnplaced(camera: string, zone: string): void {
    if (!this.zones.has(camera)) this.place(camera, zone);
  }

  /** Stops recording and showing a camera and gives up retrying it; its footage stays under retention. */
  async forget(camera: string): Promise<void> {
    this.forgotten.set(camera, (this.forgotten.get(camera) ?? 0) + 1);
    clearTimeout(this.retries.get(camera));
    this.retries.delete(camera);
    await this.recorders.get(camera)?.stop();
    this.recorders.delete(camera);
    this.recorded.get(camera)?.release();
    this.recorded.delete(camera);
    this.streams.delete(camera);
    this.zones.delete(camera);
    // A removed camera's alarms no longer describe anything to fix.
    for (const kind of ['camera-offline', 'recording-gap', 'camera-clock-drift'])
      this.deps.alarms.clear(kind, camera, 'camera removed');
  }

  /**
   * Locks a camera's footage in [from, to) — recorded or still to come — to an evaluation session until the
   * end of its archive period. Locked footage survives rolling retention and quota eviction.
   */
  lockSession(sessionId: string, cameraId: string, from: number, to: number, until: number): { segments: number } {
    for (const [field, v] of Object.entries({ from, to, until }))
      if (!Number.isFinite(v) || v < 0)
        throw new DomainError('invalid', `${field}: must be a time in ms since the epoch`);
    if (!sessionId) throw new DomainError('invalid', 'sessionId: required');
    if (!cameraId) throw new DomainError('invalid', 'cameraId: required');
    if (to <= from) throw new DomainError('invalid', 'to: must be after from');
    if (until < to) throw new DomainError('invalid', 'until: the lock must last at least until the footage ends');
    const segments = this.index.lock({ session: sessionId, camera: cameraId, from, to, until });
    this.deps.log.append({
      type: 'video.locked',
      session: sessionId,
      subject: cameraId,
      data: { camera: cameraId, from, to, until, segments },
    });
    return { segments };
  }

  /**
   * The camera's timeline in [from, to): its recorded segments, and its gaps — every hole in its footage over the
   * time it was expected to record (coverage.ts): from its first footage ever (or `from`, if later) to `to`; after
   * its last segment only up to a recorder's stall allowance before now (the segment being written is not indexed
   * yet). A camera without any footage has nothing to measure against and no gaps; its empty segment list says it.
   */
  timeline(camera: string, from: number, to: number, now = Date.now()): { segments: Segment[]; gaps: TimeRange[] } {
    const segments = this.index.range(camera, from, to);
    const first = this.index.firstStart(camera);
    const expected = { from: Math.max(from, first ?? to), to };
    const liveEdge = now - (this.options.recorder?.stallAfterMs ?? stallAfterMs(this.options.segmentS ?? 10));
    return { segments, gaps: expected.from < expected.to ? gapsIn(segments, expected, liveEdge) : [] };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retries.values()) clearTimeout(t);
    clearInterval(this.sweepTimer);
    this.disk.stop();
    this.live.stop();
    await Promise.all([...this.recorders.values()].map((r) => r.stop()));
    this.recorders.clear();
    await this.pulls.stop();
    await this.recovered;
  }

  private async recoverRuns(): Promise<void> {
    const runs = this.index.unsettledRuns();
    const orphans = stopOrphans(runs);
    if (orphans.length > 0)
      this.deps.logger?.warn(
        { pids: orphans.map((r) => r.pid) },
        '上次运行遗留的录像进程已终止 orphaned recorders stopped',
      );
    for (const run of runs) {
      try {
        await settleRun(this.intake, run);
      } catch (err) {
        this.deps.logger?.error({ err, run: run.prefix }, '遗留录像文件处理失败 leftover segments not settled');
      }
    }
  }

  private sweepSafely(): void {
    try {
      this.retention.sweep();
    } catch (err) {
      this.deps.logger?.error({ err }, '录像保留清理失败 video retention sweep failed');
    }
  }
}

/** The RTSP URL with the camera's credentials in it (cameras ask for them; ONVIF's stream URI leaves them out). */
function withCredentials(url: string, creds: { username: string; password: string }): string {
  const u = new URL(url);
  u.username = encodeURIComponent(creds.username);
  u.password = encodeURIComponent(creds.password);
  return u.toString();
}
