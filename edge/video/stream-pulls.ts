import { type ChildProcess, spawn } from 'node:child_process';
import { rtspTimeoutOption, videoTool } from '../../devices/camera/video-tools.ts';
import { DIE_WITH_EDGE } from './die-with-edge.ts';
import { RelayThread } from './relay-thread.ts';

/**
 * One RTSP pull per camera stream, shared by every consumer (go2rtc's rule). The first consumer of a stream —
 * the recorder, a live view — starts a puller: an ffmpeg that reads the stream from the camera (stream copy,
 * video only) and publishes it into the edge's loopback RTSP relay (`rtsp-relay.ts`, run in its own thread:
 * `relay-thread.ts`); each consumer's ffmpeg reads it from there over interleaved TCP. So a recorded camera shown in a tile and enlarged is still one connection
 * to the camera, and a viewer coming or going never touches the camera or the recorder's connection.
 *
 * A puller that ends (camera gone, network cut, no packet for `silentAfterMs`) takes the relay's publication with
 * it, so every consumer sees the stream end — the recorder then records its gap and restarts as it did when it
 * pulled the camera itself — and is started again with backoff while anyone still holds the stream. A consumer
 * that connects meanwhile waits at the relay (DESCRIBE) for the puller to come back. The last release stops it.
 */
export interface StreamPullOptions {
  /** RTP transport from the cameras: tcp (their default) or udp. */
  rtspTransport?: 'tcp' | 'udp';
  /** A camera that sends nothing for this long is dropped and pulled again. */
  silentAfterMs?: number;
  /** Restart backoff after a failed pull: from `min`, doubled per failure, capped at `max`. */
  backoffMs?: { min: number; max: number };
  /** How long a consumer waits for the stream to be published before it gives up (and retries on its own). */
  publishWaitMs?: number;
}

/** A stream held by one consumer: where it reads it, and its release. */
export interface HeldStream {
  /** The relay's URL of the stream, once its puller publishes it (rejects if it does not within `publishWaitMs`). */
  url: () => Promise<string>;
  release: () => void;
}

interface Pull {
  source: string;
  holders: number;
  proc?: ChildProcess;
  restart?: NodeJS.Timeout;
  backoff: number;
}

export class StreamPulls {
  private readonly relay: RelayThread;
  private readonly pulls = new Map<string, Pull>();
  /** The relay listening: consumers' addresses are known from then on. */
  private readonly ready: Promise<number>;
  private readonly o: Required<StreamPullOptions>;
  private stopped = false;

  constructor(options: StreamPullOptions = {}) {
    this.o = {
      rtspTransport: options.rtspTransport ?? 'tcp',
      silentAfterMs: options.silentAfterMs ?? 10_000,
      backoffMs: options.backoffMs ?? { min: 1000, max: 30_000 },
      publishWaitMs: options.publishWaitMs ?? 30_000,
    };
    // Long enough for a restarting puller to reach its camera, short of a consumer's own timeout.
    this.relay = new RelayThread({ waitForPublisherMs: 8000 });
    this.ready = this.relay.ready();
  }

  /**
   * Holds the stream at `path` (e.g. `cam-1/main`), pulled from `source` (its RTSP URL with credentials), until
   * release(). `url()` is where a consumer reads it.
   */
  acquire(path: string, source: string): HeldStream {
    let pull = this.pulls.get(path);
    if (!pull || pull.source !== source) {
      if (pull) this.end(path, pull);
      pull = { source, holders: 0, backoff: this.o.backoffMs.min };
      this.pulls.set(path, pull);
      const started = pull;
      void this.ready.then(() => this.start(path, started));
    }
    pull.holders++;
    const held = pull;
    let released = false;
    return {
      // A consumer starts on a stream that flows, so its own start-up timeouts measure its own start-up.
      url: async () => {
        await this.ready;
        await this.relay.waitForPublisher(path, this.o.publishWaitMs);
        return this.relay.url(path);
      },
      release: () => {
        if (released) return;
        released = true;
        if (--held.holders === 0 && this.pulls.get(path) === held) this.end(path, held);
      },
    };
  }

  /** Consumers reading a stream from the relay now, and whether its puller publishes. */
  async sessions(path: string): Promise<{ publishing: boolean; consumers: number }> {
    const { publishing, players } = await this.relay.sessions(path);
    return { publishing, consumers: players };
  }

  /** Pids of the pullers, for CPU accounting. */
  pids(): number[] {
    return [...this.pulls.values()].flatMap((p) => (p.proc?.pid ? [p.proc.pid] : []));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const [path, pull] of this.pulls) this.end(path, pull);
    await this.ready.catch(() => {});
    await this.relay.stop();
  }

  private start(path: string, pull: Pull): void {
    if (this.stopped || this.pulls.get(path) !== pull) return;
    const ffmpeg = videoTool('ffmpeg');
    const args = [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...['-rtsp_transport', this.o.rtspTransport, rtspTimeoutOption(ffmpeg), String(this.o.silentAfterMs * 1000)],
      // Stream copy needs only the codec's parameters, which the camera's SDP carries: probe one second, not five.
      ...['-analyzeduration', '1000000', '-i', pull.source, '-map', '0:v', '-c', 'copy'],
      ...['-f', 'rtsp', '-rtsp_transport', 'tcp', this.relay.url(path)],
    ];
    const [command, ...wrapper] = DIE_WITH_EDGE;
    const proc = spawn(command!, [...wrapper, ffmpeg, ...args], { stdio: 'ignore' });
    pull.proc = proc;
    const startedAt = Date.now();
    proc.on('error', () => {});
    proc.on('exit', () => {
      if (pull.proc !== proc) return;
      pull.proc = undefined;
      // Its consumers must see the stream end now, not when their own timeout runs out.
      this.relay.unpublish(path);
      if (this.stopped || this.pulls.get(path) !== pull) return;
      // A pull that ran a while was a working camera that dropped: try again soon.
      if (Date.now() - startedAt > this.o.backoffMs.max) pull.backoff = this.o.backoffMs.min;
      pull.restart = setTimeout(() => this.start(path, pull), pull.backoff);
      pull.backoff = Math.min(pull.backoff * 2, this.o.backoffMs.max);
    });
  }

  private end(path: string, pull: Pull): void {
    this.pulls.delete(path);
    clearTimeout(pull.restart);
    const proc = pull.proc;
    pull.proc = undefined;
    proc?.kill('SIGKILL');
    this.relay.unpublish(path);
  }
}
