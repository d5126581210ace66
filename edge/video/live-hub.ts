import { type ChildProcess, spawn } from 'node:child_process';
import { parseMp4 } from './segment-check.ts';

/**
 * Live view. `mse`: ffmpeg remuxes the camera's video (H.264, H.265) into fragmented MP4 without transcoding (as
 * go2rtc does); the browser feeds it to Media Source Extensions if it can decode that codec. `mpeg1`: a transcoding fallback (MPEG-1 in MPEG-TS, the
 * jsmpeg format) only for codecs MSE cannot play. One ffmpeg per camera and mode, shared by every viewer;
 * the MP4 init segment is cached so late joiners start at the next keyframe fragment.
 */
export type LiveMode = 'mse' | 'mpeg1';

export interface LiveViewer {
  /** First message to a viewer: the MSE mime type (with codecs) or the fallback's format. */
  start(info: { mode: LiveMode; mime: string }): void;
  send(chunk: Buffer): void;
  close(reason: string): void;
}

export class LiveHub {
  private readonly streams = new Map<string, LiveStream>();

  constructor(
    private readonly streamUrl: (camera: string) => string | undefined,
    private readonly options: { idleStopMs?: number; rtspTransport?: 'tcp' | 'udp' } = {},
  ) {}

  /** Attaches a viewer; returns the detach function. Throws for an unknown camera. */
  watch(camera: string, mode: LiveMode, viewer: LiveViewer): () => void {
    const url = this.streamUrl(camera);
    if (!url) throw new Error(`unknown camera: ${camera}`);
    const key = `${camera}:${mode}`;
    let stream = this.streams.get(key);
    if (!stream) {
      stream = new LiveStream(url, mode, () => this.streams.delete(key), this.options);
      this.streams.set(key, stream);
    }
    return stream.add(viewer);
  }

  /** Pids of the live ffmpeg processes, for CPU accounting. */
  pids(): number[] {
    return [...this.streams.values()].flatMap((s) => (s.pid ? [s.pid] : []));
  }

  stop(): void {
    for (const s of this.streams.values()) s.stop();
    this.streams.clear();
  }
}

class LiveStream {
  private readonly viewers = new Set<LiveViewer>();
  private proc?: ChildProcess;
  private init?: Buffer;
  private mime?: string;
  private pending: Buffer = Buffer.alloc(0);
  private idleTimer?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly mode: LiveMode,
    private readonly onEnd: () => void,
    private readonly options: { idleStopMs?: number; rtspTransport?: 'tcp' | 'udp' },
  ) {
    this.spawn();
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  add(viewer: LiveViewer): () => void {
    clearTimeout(this.idleTimer);
    this.viewers.add(viewer);
    if (this.mode === 'mpeg1') viewer.start({ mode: 'mpeg1', mime: 'video/mp2t; codecs="mpeg1video"' });
    else if (this.init && this.mime) {
      viewer.start({ mode: 'mse', mime: this.mime });
      viewer.send(this.init);
    }
    return () => {
      this.viewers.delete(viewer);
      if (this.viewers.size === 0) this.idleTimer = setTimeout(() => this.stop(), this.options.idleStopMs ?? 5000);
    };
  }

  stop(): void {
    clearTimeout(this.idleTimer);
    this.proc?.kill('SIGKILL');
    this.proc = undefined;
    this.onEnd();
  }

  private spawn(): void {
    const input = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-rtsp_transport',
      this.options.rtspTransport ?? 'tcp',
      '-i',
      this.url,
    ];
    const output =
      this.mode === 'mse'
        ? [
            '-map',
            '0:v',
            '-c',
            'copy',
            '-f',
            'mp4',
            '-movflags',
            'frag_keyframe+empty_moov+default_base_moof',
            'pipe:1',
          ]
        : // MPEG-1 allows only the broadcast frame rates (24, 25, 30, …), so the output rate is fixed.
          ['-map', '0:v', '-c:v', 'mpeg1video', '-r', '25', '-b:v', '1000k', '-bf', '0', '-f', 'mpegts', 'pipe:1'];
    const proc = spawn('ffmpeg', [...input, ...output], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.proc = proc;
    proc.stdout!.on('data', (chunk: Buffer) => (this.mode === 'mse' ? this.onMp4(chunk) : this.broadcast(chunk)));
    proc.on('exit', () => {
      if (this.proc !== proc) return;
      for (const v of this.viewers) v.close('stream ended');
      this.stop();
    });
  }

  private broadcast(chunk: Buffer): void {
    for (const v of this.viewers) v.send(chunk);
  }

  /** Splits ffmpeg's fMP4 into top-level boxes: ftyp+moov is the init segment, then moof+mdat fragments. */
  private onMp4(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let fragmentStart = -1;
    let offset = 0;
    while (this.pending.length - offset >= 8) {
      const size = this.pending.readUInt32BE(offset);
      const type = this.pending.toString('latin1', offset + 4, offset + 8);
      if (size < 8 || this.pending.length - offset < size) break;
      const box = this.pending.subarray(offset, offset + size);
      if (type === 'moov') {
        this.init = Buffer.concat([this.init ?? Buffer.alloc(0), box]);
        this.mime = `video/mp4; codecs="${videoCodec(this.init)}"`;
        for (const v of this.viewers) {
          v.start({ mode: 'mse', mime: this.mime });
          v.send(this.init);
        }
      } else if (type === 'ftyp') {
        this.init = Buffer.from(box);
      } else if (type === 'moof') {
        fragmentStart = offset;
      } else if (type === 'mdat' && fragmentStart >= 0) {
        const fragment = this.pending.subarray(fragmentStart, offset + size);
        // Each fragment starts with a keyframe (frag_keyframe), so a late joiner can start at any of them.
        this.broadcast(Buffer.from(fragment));
        fragmentStart = -1;
      }
      offset += size;
    }
    const keepFrom = fragmentStart >= 0 ? fragmentStart : offset;
    this.pending = this.pending.subarray(keepFrom);
  }
}

/**
 * The RFC 6381 codec string of the init segment's video track as mp4box.js reads it from the sample entry
 * (avc1.64001f, hev1.1.6.L60.90, …): the browser decides from it whether MSE can play the stream. Unreadable,
 * it is `unknown`, which no browser supports, so the tile falls back to transcoding.
 */
function videoCodec(init: Buffer): string {
  return parseMp4(init).mp4.getInfo().videoTracks[0]?.codec ?? 'unknown';
}
