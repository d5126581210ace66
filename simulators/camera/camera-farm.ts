import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RtspRelay } from '../../devices/camera/rtsp-relay.ts';
import { videoTool } from '../../devices/camera/video-tools.ts';
import { type CameraCredentials, DigestRealm, verifyUsernameToken } from './auth.ts';
import { WsDiscoveryResponder } from './discovery.ts';
import {
  answer,
  fault,
  PRE_AUTH,
  type SimulatedCameraInfo,
  type SimulatedSubstream,
  soapOperation,
} from './onvif-soap.ts';

export interface SimulatedCamera {
  id: string;
  width?: number;
  height?: number;
  fps?: number;
  clockSkewMs?: number;
  /** What the camera encodes (default h264); h265 is libx265 (live source only: the loop clips are H.264). */
  codec?: 'h264' | 'h265';
  /** Whether it also serves a substream (a second ONVIF profile); default: the farm's `substream`. */
  substream?: boolean;
}

export interface CameraFarmOptions {
  cameras: SimulatedCamera[];
  /** ONVIF HTTP port on 127.0.0.1 (0 = any free port; venue files use 18080). */
  httpPort?: number;
  /** RTSP port on 127.0.0.1 (0 = any free port): the encoders publish there, recorders and viewers read. */
  rtspPort?: number;
  credentials?: CameraCredentials;
  /**
   * `live` encodes a test pattern with the camera id and wall-clock time burned in, per camera.
   * `loop` encodes one short clip per resolution once and loops it with stream copy: cheap enough to run
   * 16 1080p cameras on a 2-core machine (the bench), but the burned-in time is the clip's, not now.
   */
  source?: 'live' | 'loop';
  /**
   * Each camera also serves a substream (`substreamOf`: ≤ 640 wide, ≤ 12 fps, 512 kbit/s) as a second ONVIF
   * profile at `rtsp://…/<id>/sub`, as every real camera does for live grids. Default: on for `loop` (the
   * bench's 1080p cameras, whose grid must use it), off for `live`, whose cameras are small already (tests,
   * the demo's 320×180 at 5 fps) and would pay a second encoder each for a stream smaller than a grid tile.
   */
  substream?: boolean;
  discovery?: { port?: number } | false;
  clipDir?: string;
}

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** Many simulated ONVIF cameras in one process: one HTTP port with per-camera paths, one RTSP server. */
export class CameraFarm {
  readonly credentials: CameraCredentials;
  private readonly options: CameraFarmOptions;
  private http?: Server;
  /** The cameras' RTSP server: TCP interleaved (the cameras' default) and UDP; it counts each stream's sessions. */
  readonly rtsp: RtspRelay;
  private readonly encoders = new Map<string, ChildProcess>();
  private readonly infos = new Map<string, SimulatedCameraInfo>();
  private readonly ptz = new Map<string, { preset: string | null }>();
  private readonly realm = new DigestRealm('HallEdge camera');
  private discovery?: WsDiscoveryResponder;
  private stopping = false;
  httpPort = 0;
  rtspPort = 0;

  constructor(options: CameraFarmOptions) {
    this.options = options;
    this.rtsp = new RtspRelay({ port: options.rtspPort });
    this.credentials = options.credentials ?? { username: 'admin', password: 'halledge-cam' };
  }

  async start(): Promise<void> {
    if (this.options.source === 'loop' && this.options.cameras.some((c) => c.codec === 'h265'))
      throw new Error("cameras: codec 'h265' needs source 'live' (the loop clips are H.264)");
    this.rtspPort = await this.rtsp.start();
    this.http = createServer((req, res) => this.serve(req, res));
    await new Promise<void>((ok, fail) => {
      this.http!.once('error', fail).listen(this.options.httpPort ?? 0, '127.0.0.1', ok);
    });
    this.httpPort = (this.http.address() as AddressInfo).port;
    for (const cam of this.options.cameras) {
      const width = cam.width ?? 640;
      const height = cam.height ?? 360;
      const fps = cam.fps ?? 10;
      const withSub = cam.substream ?? this.options.substream ?? this.options.source === 'loop';
      this.infos.set(cam.id, {
        id: cam.id,
        manufacturer: 'HallEdge',
        model: 'SimCam-1',
        firmware: '1.0.0',
        serial: `SIM-${cam.id}`,
        baseUrl: `http://127.0.0.1:${this.httpPort}/${cam.id}`,
        rtspUrl: this.streamUrl(cam.id),
        width,
        height,
        fps,
        substream: withSub
          ? { ...substreamOf(width, height, fps), rtspUrl: `${this.streamUrl(cam.id)}/${SUB_PATH}` }
          : undefined,
        encoding: cam.codec === 'h265' ? 'H265' : 'H264',
        presets: [
          { token: 'p1', name: '全景 overview' },
          { token: 'p2', name: '评标桌 table' },
        ],
        clockSkewMs: cam.clockSkewMs ?? 0,
      });
      this.ptz.set(cam.id, { preset: null });
      this.startEncoder(cam.id);
    }
    if (this.options.discovery !== false) {
      this.discovery = new WsDiscoveryResponder(
        [...this.infos.values()].map((i) => ({ id: i.id, xaddr: this.deviceServiceUrl(i.id) })),
        this.options.discovery?.port,
      );
      await this.discovery.start();
    }
  }

  /** Resolves once every camera's encoder has announced its stream to the RTSP server. */
  async streamsReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const mounted = () =>
      [...this.infos.keys()].every((id) => this.streamPaths(id).every((path) => this.rtsp.publishing(path)));
    while (!mounted()) {
      if (Date.now() > deadline) throw new Error('simulated cameras did not start streaming');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  deviceServiceUrl(id: string): string {
    return `http://127.0.0.1:${this.httpPort}/${id}/onvif/device_service`;
  }

  streamUrl(id: string): string {
    return `rtsp://127.0.0.1:${this.rtspPort}/${id}`;
  }

  /** The camera's substream (its `sub` profile), or undefined when it serves none. */
  substreamUrl(id: string): string | undefined {
    return this.infos.get(id)?.substream?.rtspUrl;
  }

  /** The camera's stream paths on the RTSP server: the main stream, then the substream if it has one. */
  private streamPaths(id: string): string[] {
    return this.infos.get(id)?.substream ? [id, `${id}/${SUB_PATH}`] : [id];
  }

  /** RTSP sessions reading a camera's stream (main or sub) now: what a camera's connection count would show. */
  rtspSessions(id: string, stream: 'main' | 'sub' = 'main'): number {
    return this.rtsp.sessions(stream === 'main' ? id : `${id}/${SUB_PATH}`).players;
  }

  /** The WS-Discovery unicast port (multicast may be unavailable; see docs/video.md). */
  get discoveryPort(): number | undefined {
    return this.discovery?.port;
  }

  /** The preset the camera last moved to (GotoPreset). */
  currentPreset(id: string): string | null {
    return this.ptz.get(id)?.preset ?? null;
  }

  /** The camera's encoder pid (its ffmpeg), for tests that kill it. */
  encoderPid(id: string): number | undefined {
    return this.encoders.get(id)?.pid;
  }

  /** Simulates a camera losing power: its stream stops until `powerOn`. */
  powerOff(id: string): void {
    const enc = this.encoders.get(id);
    this.encoders.delete(id);
    enc?.kill('SIGKILL');
    this.unmount(id);
  }

  /** A camera that loses power drops every connection to it at once. */
  private unmount(id: string): void {
    for (const path of this.streamPaths(id)) this.rtsp.unpublish(path);
  }

  powerOn(id: string): void {
    if (!this.encoders.has(id)) this.startEncoder(id);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const enc of this.encoders.values()) enc.kill('SIGKILL');
    this.encoders.clear();
    await this.discovery?.stop();
    await new Promise<void>((ok) => (this.http ? this.http.close(() => ok()) : ok()));
    this.http?.closeAllConnections();
    await this.rtsp.stop();
  }

  /**
   * One ffmpeg per camera publishes both its streams, so powering it off stops both. `live`: the test pattern
   * with the id and time burned in is drawn once, then split: the main stream at full size, the substream scaled
   * down and encoded again (cheap at ≤ 640×360). `loop`: each stream loops its own pre-encoded clip, stream copy.
   */
  private startEncoder(id: string): void {
    const info = this.infos.get(id)!;
    const sub = info.substream;
    const [mainUrl = '', subUrl = ''] = this.streamPaths(id).map((path) => this.rtsp.url(path));
    const out = (url: string) => ['-f', 'rtsp', '-rtsp_transport', 'tcp', url];
    const size = `${info.width}x${info.height}`;
    const drawtext =
      `drawtext=fontfile=${FONT}:fontsize=${Math.round(info.height / 14)}:fontcolor=white:box=1:boxcolor=black@0.6:` +
      `x=10:y=10:text='${id} %{localtime\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S}'`;
    const loop = (clip: string) => ['-re', '-stream_loop', '-1', '-i', clip];
    const args =
      this.options.source === 'loop'
        ? [
            ...loop(this.clipFor(info)),
            ...(sub ? loop(this.clipFor(sub)) : []),
            ...['-map', '0:v', '-c', 'copy', ...out(mainUrl)],
            ...(sub ? ['-map', '1:v', '-c', 'copy', ...out(subUrl)] : []),
          ]
        : [
            '-re',
            '-f',
            'lavfi',
            '-i',
            `testsrc=size=${size}:rate=${info.fps}`,
            ...(sub
              ? [
                  '-filter_complex',
                  `[0:v]${drawtext},split=2[main][s];[s]fps=${sub.fps},scale=${sub.width}:${sub.height}[sub]`,
                  ...['-map', '[main]', ...encoder(info.encoding, info.fps), ...out(mainUrl)],
                  ...['-map', '[sub]', ...encoder(info.encoding, sub.fps), ...rateLimit(sub), ...out(subUrl)],
                ]
              : ['-vf', drawtext, ...encoder(info.encoding, info.fps), ...out(mainUrl)]),
          ];
    const enc = spawn(videoTool('ffmpeg'), ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args], {
      stdio: 'ignore',
    });
    this.encoders.set(id, enc);
    enc.on('exit', () => {
      // A camera whose encoder died on its own (not powered off) comes back, as a rebooting camera does.
      if (this.encoders.get(id) === enc && !this.stopping) setTimeout(() => this.restartIfCurrent(id, enc), 500);
    });
  }

  private restartIfCurrent(id: string, enc: ChildProcess): void {
    if (this.encoders.get(id) !== enc || this.stopping) return;
    this.unmount(id);
    this.startEncoder(id);
  }

  /** The loop clip of a stream: its size, rate and bitrate (4 Mbit/s for a main stream). */
  private clipFor(stream: { width: number; height: number; fps: number; bitrateKbps?: number }): string {
    const rate = stream.bitrateKbps ? `${stream.bitrateKbps}k` : '4M';
    return `${this.options.clipDir ?? '/tmp'}/halledge-simcam-${stream.width}x${stream.height}-${stream.fps}-${rate}.mp4`;
  }

  /** Encodes the loop clips (`source: 'loop'`) once — each camera's main stream and substream; call before start(). */
  async prepareClips(): Promise<void> {
    const { existsSync } = await import('node:fs');
    const clips = new Map<string, { width: number; height: number; fps: number; bitrateKbps?: number }>();
    for (const c of this.options.cameras) {
      const main = { width: c.width ?? 640, height: c.height ?? 360, fps: c.fps ?? 10 };
      clips.set(this.clipFor(main), main);
      if (c.substream ?? this.options.substream ?? this.options.source === 'loop') {
        const sub = substreamOf(main.width, main.height, main.fps);
        clips.set(this.clipFor(sub), sub);
      }
    }
    for (const [file, clip] of clips) {
      if (existsSync(file)) continue;
      const rate = clip.bitrateKbps ? `${clip.bitrateKbps}k` : '4M';
      await run(videoTool('ffmpeg'), [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `testsrc=size=${clip.width}x${clip.height}:rate=${clip.fps}:duration=10`,
        '-vf',
        // Noise keeps the bitrate at a real camera's (~4 Mbit/s at 1080p); a bare test pattern compresses to ~1.
        `noise=alls=12:allf=t+u,drawtext=fontfile=${FONT}:fontsize=${Math.round(clip.height / 22.5)}:fontcolor=white:x=10:y=10:text='SIMCAM %{pts\\:hms}'`,
        ...encoder('H264', clip.fps),
        ...['-b:v', rate, '-maxrate', rate, '-bufsize', rate],
        file,
      ]);
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [, id = '', ...rest] = (req.url ?? '').split('?')[0]!.split('/');
    const info = this.infos.get(id);
    if (!info || req.method !== 'POST' || rest[0] !== 'onvif') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const op = soapOperation(body);
    const send = (status: number, xml: string): void => {
      res.writeHead(status, { 'content-type': 'application/soap+xml; charset=utf-8' }).end(xml);
    };
    if (!op) return send(400, fault('ter:WellFormed', 'no SOAP body'));
    const authorised =
      PRE_AUTH.has(op) ||
      verifyUsernameToken(body, this.credentials) ||
      this.realm.verify(req.headers.authorization, 'POST', this.credentials);
    if (!authorised) {
      res.setHeader('www-authenticate', this.realm.challenge());
      return send(401, fault('ter:NotAuthorized', 'Sender not authorized'));
    }
    const xml = answer(op, body, info, this.ptz.get(id)!);
    if (!xml) return send(400, fault('ter:ActionNotSupported', `${op} not supported`));
    send(xml.includes('<s:Fault>') ? 400 : 200, xml);
  }
}

/**
 * The encoder as a camera runs it: fast, no B-frames, a keyframe a second. H.265 also repeats VPS/SPS/PPS before
 * every keyframe (repeat-headers), so a reader joining mid-stream can decode, as with H.264's in-band SPS/PPS.
 */
const encoder = (encoding: SimulatedCameraInfo['encoding'], fps: number) => [
  '-c:v',
  encoding === 'H265' ? 'libx265' : 'libx264',
  '-preset',
  'ultrafast',
  '-tune',
  'zerolatency',
  '-pix_fmt',
  'yuv420p',
  ...(encoding === 'H265'
    ? ['-x265-params', `log-level=error:keyint=${fps}:min-keyint=${fps}:bframes=0:repeat-headers=1`]
    : ['-profile:v', 'high', '-g', String(fps), '-bf', '0']),
];

/** Caps a substream's bitrate as the camera's profile says (VBV, so the live encoder stays fast). */
const rateLimit = (sub: SimulatedSubstream) => ['-maxrate', `${sub.bitrateKbps}k`, '-bufsize', `${sub.bitrateKbps}k`];

/** The path of a camera's substream under its main stream's: rtsp://…/<id>/sub. */
const SUB_PATH = 'sub';

/**
 * The substream a simulated camera serves beside its main stream, as cameras default it: at most 640 wide and
 * half the main width below that (1080p and 720p → 640×360, 320×180 → 160×90), same aspect, at most 12 fps,
 * 512 kbit/s.
 */
export function substreamOf(width: number, height: number, fps: number): Omit<SimulatedSubstream, 'rtspUrl'> {
  const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
  const w = even(Math.min(640, width / 2));
  return { width: w, height: even((w * height) / width), fps: Math.min(fps, 12), bitrateKbps: 512 };
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} failed (${code}): ${err.slice(-500)}`))));
  });
}

export async function freePort(): Promise<number> {
  const { createServer: net } = await import('node:net');
  return new Promise((ok) => {
    const s = net().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}
