import { type ChildProcess, spawn } from 'node:child_process';
import { videoTool } from '../../devices/camera/video-tools.ts';
import { Mp4BoxSplitter } from './mp4-box-splitter.ts';
import { videoTrackIn } from './segment-check.ts';
import type { HeldStream } from './stream-pulls.ts';

/**
 * Live view of a camera's `main` stream (the one recorded) or its `sub` stream (the smaller one NVRs show in
 * grids; a camera without one answers with its main stream). `mse`: ffmpeg remuxes the camera's video (H.264,
 * H.265) into fragmented MP4 without transcoding (as go2rtc does); the browser feeds it to Media Source
 * Extensions if it can decode that codec. `mpeg1`: a transcoding fallback (MPEG-1 in MPEG-TS, the jsmpeg format)
 * only for codecs MSE cannot play. One ffmpeg per camera, stream and mode, shared by every viewer; the MP4 init
 * segment is cached so late joiners start at the next keyframe fragment. That ffmpeg reads the edge's one pull of
 * the camera stream (stream-pulls.ts), shared with the recorder: a viewer never opens a connection to a camera.
 */
export type LiveMode = 'mse' | 'mpeg1';
export type CameraStream = 'main' | 'sub';

export interface LiveViewer {
  /** First message to a viewer: the MSE mime type (with codecs) or the fallback's format, and the stream shown. */
  start(info: LiveInfo): void;
  send(chunk: Buffer): void;
  /**
   * Whether the viewer can take more now. Asked at each fragment (MSE) or chunk (MPEG-1): one that cannot keep
   * up skips whole fragments, so what it gets still decodes, rather than growing memory without bound.
   */
  ready(): boolean;
  close(reason: string): void;
}

/** A camera stream held for live view: which stream it is, where to read it, and its release. */
export type LiveSource = HeldStream & { stream: CameraStream };

export interface LiveInfo {
  mode: LiveMode;
  mime: string;
  /** The stream being shown: `main` also when `sub` was asked of a camera without a substream. */
  stream: CameraStream;
}

export class LiveHub {
  private readonly streams = new Map<string, LiveStream>();

  constructor(
    /** Holds a camera's stream, saying which stream that is (a camera without a substream gives its main). */
    private readonly source: (camera: string, stream: CameraStream) => LiveSource | undefined,
    private readonly options: { idleStopMs?: number } = {},
  ) {}

  /**
   * Attaches a viewer to a camera's stream (default main); returns the detach function. Throws for an unknown
   * camera. Viewers of the same camera, stream and mode share one ffmpeg.
   */
  watch(camera: string, mode: LiveMode, viewer: LiveViewer, want: CameraStream = 'main'): () => void {
    const source = this.source(camera, want);
    if (!source) throw new Error(`unknown camera: ${camera}`);
    const key = `${camera}:${source.stream}:${mode}`;
    let stream = this.streams.get(key);
    if (stream) source.release();
    else {
      stream = new LiveStream(source, mode, () => this.streams.delete(key), this.options);
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
  /** Each viewer, and whether it takes the current fragment (it joined, or kept up, before it began). */
  private readonly viewers = new Map<LiveViewer, { flowing: boolean }>();
  private proc?: ChildProcess;
  /** ftyp + moov: sent to every viewer first. */
  private init?: Buffer;
  private initParts: Buffer[] = [];
  private mime?: string;
  private readonly boxes = new Mp4BoxSplitter();
  private box = '';
  private idleTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly source: LiveSource,
    private readonly mode: LiveMode,
    private readonly onEnd: () => void,
    private readonly options: { idleStopMs?: number },
  ) {
    source.url().then(
      (url) => this.stopped || this.spawn(url),
      (err: Error) => this.end(`no stream: ${err.message}`),
    );
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  add(viewer: LiveViewer): () => void {
    clearTimeout(this.idleTimer);
    this.viewers.set(viewer, { flowing: false });
    if (this.mode === 'mpeg1') viewer.start(this.info('video/mp2t; codecs="mpeg1video"'));
    else if (this.init && this.mime) {
      viewer.start(this.info(this.mime));
      viewer.send(this.init);
    }
    return () => {
      this.viewers.delete(viewer);
      if (this.viewers.size === 0) this.idleTimer = setTimeout(() => this.stop(), this.options.idleStopMs ?? 5000);
    };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.idleTimer);
    this.proc?.kill('SIGKILL');
    this.proc = undefined;
    this.source.release();
    this.onEnd();
  }

  private spawn(url: string): void {
    // The edge's own relay (loopback), which serves interleaved TCP.
    const input = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-rtsp_transport', 'tcp', '-i', url];
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
    const proc = spawn(videoTool('ffmpeg'), [...input, ...output], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.proc = proc;
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (this.mode === 'mpeg1') return this.broadcast(chunk, true);
      try {
        this.onMp4(chunk);
      } catch (err) {
        // Nothing after a broken box header can be framed again: end this stream; a viewer that reconnects gets a new one.
        this.end(`unreadable stream from ffmpeg: ${(err as Error).message}`);
      }
    });
    proc.on('exit', () => {
      if (this.proc === proc) this.end('stream ended');
    });
  }

  private end(reason: string): void {
    for (const v of this.viewers.keys()) v.close(reason);
    this.stop();
  }

  /** Sends to the viewers taking this part of the stream; at a boundary, first asks each whether it can. */
  private broadcast(bytes: Buffer, boundary: boolean): void {
    for (const [v, state] of this.viewers) {
      if (boundary) state.flowing = v.ready();
      if (state.flowing) v.send(bytes);
    }
  }

  /**
   * ffmpeg's fMP4, forwarded as it comes: ftyp+moov is kept as the init segment, then each moof starts a fragment.
   * Every fragment starts with a keyframe (frag_keyframe), so a viewer can join, or catch up, at any of them.
   */
  private onMp4(chunk: Buffer): void {
    for (const { bytes, box } of this.boxes.push(chunk)) {
      if (box) this.box = box;
      if (this.box === 'ftyp' || this.box === 'moov') {
        if (box === 'ftyp') this.initParts = [];
        this.initParts.push(Buffer.from(bytes)); // small, and kept: not a view that pins a whole pipe chunk
        continue;
      }
      if (box === 'moof' && !this.init) this.sendInit();
      if (this.init) this.broadcast(bytes, box === 'moof');
    }
  }

  private info(mime: string): LiveInfo {
    return { mode: this.mode, mime, stream: this.source.stream };
  }

  private sendInit(): void {
    this.init = Buffer.concat(this.initParts);
    this.initParts = [];
    // Unreadable, the codec is `unknown`, which no browser supports: the tile falls back to transcoding.
    this.mime = `video/mp4; codecs="${videoTrackIn(this.init)?.codec ?? 'unknown'}"`;
    for (const v of this.viewers.keys()) {
      v.start(this.info(this.mime));
      v.send(this.init);
    }
  }
}
