import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Camera } from '../../config/schema.ts';
import { OnvifCamera } from '../../devices/camera/onvif-client.ts';
import type { Db } from '../store/database.ts';
import type { EventLog } from '../store/event-log.ts';
import { type AlarmSink, CameraRecorder, type RecorderOptions } from './camera-recorder.ts';
import { LiveHub } from './live-hub.ts';
import { Retention, type RetentionPolicy } from './retention.ts';
import { type Segment, SegmentIndex } from './segment-index.ts';

export interface VideoOptions {
  /** Segment length, seconds (10 on site, 2 in tests). */
  segmentS?: number;
  retention?: RetentionPolicy;
  /** How often retention sweeps, ms. */
  sweepEveryMs?: number;
  /** ONVIF credentials for the venue's cameras. */
  credentials?: { username: string; password: string };
  /** RTP transport for recording and live view; cameras: tcp (default); the simulator's RTSP server: udp. */
  rtspTransport?: 'tcp' | 'udp';
  recorder?: Partial<Omit<RecorderOptions, 'camera' | 'streamUrl' | 'dir'>>;
}

export interface VideoDeps {
  db: Db;
  log: EventLog;
  alarms: AlarmSink;
  dataDir: string;
  logger?: Logger;
}

/** A camera to adopt: its ONVIF address, and the zone it films when known (venue file, administrator). */
export type AdoptableCamera = Pick<Camera, 'id' | 'onvif'> & { zone?: string };

export class VideoError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * CCTV for the venue: cameras adopted over ONVIF (or given a stream URL directly), one recorder per camera,
 * retention by data class, live view. Timeline ranges (segments and gaps) come from the index and the record.
 */
export class VideoService {
  readonly index: SegmentIndex;
  readonly live: LiveHub;
  readonly retention: Retention;
  readonly dir: string;
  private readonly recorders = new Map<string, CameraRecorder>();
  private readonly streams = new Map<string, string>();
  /** Camera → the zone (room) it films, for binding footage to the session held there. */
  private readonly zones = new Map<string, string>();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly deps: VideoDeps,
    private readonly options: VideoOptions = {},
  ) {
    this.dir = join(deps.dataDir, 'video');
    this.index = new SegmentIndex(deps.db);
    this.retention = new Retention(this.index, deps.log, deps.alarms, deps.dataDir, options.retention);
    this.live = new LiveHub((camera) => this.streams.get(camera), { rtspTransport: options.rtspTransport });
    this.sweepTimer = setInterval(() => this.sweepSafely(), options.sweepEveryMs ?? 60_000);
    this.sweepTimer.unref();
  }

  /** Adopts a camera from the venue file over ONVIF: reads its stream URI, checks its clock, starts recording. */
  async adopt(camera: AdoptableCamera): Promise<void> {
    // Placed before it answers, so a session in its room also locks what it records once it comes back.
    if (camera.zone) this.zones.set(camera.id, camera.zone);
    const creds = this.options.credentials ?? { username: 'admin', password: '' };
    const cam = await OnvifCamera.connect({ deviceService: camera.onvif, ...creds });
    const d = await cam.describe();
    this.deps.log.append({
      type: 'video.camera-adopted',
      subject: camera.id,
      data: {
        manufacturer: d.manufacturer,
        model: d.model,
        serial: d.serial,
        profiles: d.profiles,
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
    this.record(camera.id, d.streamUri, camera.zone);
  }

  /** Makes a camera's stream available for live view (record() does this too). */
  addCamera(camera: string, streamUrl: string): void {
    this.streams.set(camera, streamUrl);
  }

  /**
   * Adopts the venue file's cameras. A camera that does not answer raises `camera-offline` and is retried
   * every `retryMs` until it does.
   */
  adoptAll(cameras: AdoptableCamera[], retryMs = 30_000): void {
    const attempt = (camera: AdoptableCamera) => {
      if (this.stopped) return;
      this.adopt(camera)
        .then(() => this.deps.alarms.clear('camera-offline', camera.id, 'camera answered over ONVIF'))
        .catch((err: Error) => {
          this.deps.alarms.raise({
            kind: 'camera-offline',
            level: 2,
            subject: camera.id,
            details: { reason: err.message },
          });
          const timer = setTimeout(() => attempt(camera), retryMs);
          timer.unref();
          this.retries.add(timer);
        });
    };
    for (const camera of cameras) attempt(camera);
  }

  /** Starts recording a camera from its RTSP URL (adopt() calls this after ONVIF). */
  record(camera: string, streamUrl: string, zone?: string): CameraRecorder {
    if (this.recorders.has(camera)) throw new VideoError(`camera ${camera} is already recording`, 409);
    this.addCamera(camera, streamUrl);
    if (zone) this.zones.set(camera, zone);
    const rec = new CameraRecorder(
      {
        ...this.options.recorder,
        camera,
        streamUrl,
        dir: join(this.dir, camera),
        segmentS: this.options.segmentS,
        rtspTransport: this.options.rtspTransport,
      },
      this.index,
      this.deps.log,
      this.deps.alarms,
    );
    this.recorders.set(camera, rec);
    return rec;
  }

  /** The cameras adopted or recording that film a zone (an evaluation room). */
  camerasIn(zone: string): string[] {
    return [...this.zones].filter(([, z]) => z === zone).map(([camera]) => camera);
  }

  recorder(camera: string): CameraRecorder | undefined {
    return this.recorders.get(camera);
  }

  cameras(): { camera: string; state: string; streamUrl: string }[] {
    return [...this.streams].map(([camera, streamUrl]) => ({
      camera,
      streamUrl,
      state: this.recorders.get(camera)?.state ?? 'not-recording',
    }));
  }

  /**
   * Locks a camera's footage in [from, to) — recorded or still to come — to an evaluation session until the
   * end of its archive period. Locked footage survives rolling retention and quota eviction.
   */
  lockSession(sessionId: string, cameraId: string, from: number, to: number, until: number): { segments: number } {
    for (const [field, v] of Object.entries({ from, to, until }))
      if (!Number.isFinite(v) || v < 0) throw new VideoError(`${field}: must be a time in ms since the epoch`);
    if (!sessionId) throw new VideoError('sessionId: required');
    if (!cameraId) throw new VideoError('cameraId: required');
    if (to <= from) throw new VideoError('to: must be after from');
    if (until < to) throw new VideoError('until: the lock must last at least until the footage ends');
    const segments = this.index.lock({ session: sessionId, camera: cameraId, from, to, until });
    this.deps.log.append({
      type: 'video.locked',
      session: sessionId,
      subject: cameraId,
      data: { camera: cameraId, from, to, until, segments },
    });
    return { segments };
  }

  /** The camera's timeline in [from, to): recorded segments and the gaps the recorder logged. */
  timeline(camera: string, from: number, to: number): { segments: Segment[]; gaps: { from: number; to: number }[] } {
    return { segments: this.index.range(camera, from, to), gaps: this.index.gaps(camera, from, to) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retries) clearTimeout(t);
    clearInterval(this.sweepTimer);
    this.live.stop();
    await Promise.all([...this.recorders.values()].map((r) => r.stop()));
    this.recorders.clear();
  }

  private sweepSafely(): void {
    try {
      this.retention.sweep();
    } catch (err) {
      this.deps.logger?.error({ err }, '录像保留清理失败 video retention sweep failed');
    }
  }
}
