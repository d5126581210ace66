import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { videoTool } from '../../devices/camera/video-tools.ts';
import { PCMU_FRAME } from '../../devices/intercom/rtp.ts';

export interface Recording {
  file: string;
  bytes: number;
  sha256: string;
  /** Audio written, by the recorder's own 20 ms clock: what the file's duration must match. */
  seconds: number;
}

export type Side = 'station' | 'console';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** µ-law code of a zero sample: what a side that sent nothing in a frame contributes. */
const MULAW_SILENCE = 0xff;
const FRAME_MS = 20;
/** At most this much audio waits per side; older audio is dropped so the two channels stay in step. */
const MAX_BACKLOG = PCMU_FRAME * 25;

/**
 * Records both sides of a call into one Opus file: left channel the station, right channel the console.
 * The bridge pushes each side's G.711 payloads as they arrive; a 20 ms clock interleaves them (silence for a
 * side that sent nothing) and pipes stereo µ-law to ffmpeg, so the file lasts as long as the call was up and
 * the two voices stay aligned. Closing ffmpeg's input ends the file cleanly.
 */
export class CallRecorder {
  private readonly ffmpeg: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly backlog: Record<Side, Buffer[]> = { station: [], console: [] };
  private readonly startedAt = Date.now();
  private framesWritten = 0;
  private readonly clock: NodeJS.Timeout;
  /** Payloads received per side: a call nobody spoke in leaves no file. */
  readonly packets: Record<Side, number> = { station: 0, console: 0 };

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.ffmpeg = spawn(
      videoTool('ffmpeg'),
      [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-f',
        'mulaw',
        '-ar',
        '8000',
        '-ac',
        '2',
        '-i',
        'pipe:0',
      ].concat(['-c:a', 'libopus', '-b:a', '32k', '-y', file]),
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    this.ffmpeg.stdin?.on('error', () => {}); // ffmpeg gone: stop() reports what it wrote
    this.exited = new Promise((resolve) => this.ffmpeg.once('exit', () => resolve()));
    this.clock = setInterval(() => this.writeDueFrames(), FRAME_MS);
  }

  push(side: Side, payload: Buffer): void {
    this.packets[side]++;
    const queue = this.backlog[side];
    queue.push(payload);
    let queued = queue.reduce((n, b) => n + b.length, 0);
    while (queued > MAX_BACKLOG && queue.length > 1) queued -= queue.shift()!.length;
  }

  /** Writes every frame the wall clock says is due since the call was answered. */
  private writeDueFrames(): void {
    const due = Math.floor((Date.now() - this.startedAt) / FRAME_MS);
    const frames: Buffer[] = [];
    for (; this.framesWritten < due; this.framesWritten++) {
      const station = this.take('station');
      const consoleSide = this.take('console');
      const stereo = Buffer.alloc(PCMU_FRAME * 2);
      for (let i = 0; i < PCMU_FRAME; i++) {
        stereo[2 * i] = station[i]!;
        stereo[2 * i + 1] = consoleSide[i]!;
      }
      frames.push(stereo);
    }
    if (frames.length) this.ffmpeg.stdin?.write(Buffer.concat(frames));
  }

  /** The next 20 ms of one side, padded with silence. */
  private take(side: Side): Buffer {
    const frame = Buffer.alloc(PCMU_FRAME, MULAW_SILENCE);
    const queue = this.backlog[side];
    let filled = 0;
    while (filled < PCMU_FRAME && queue.length) {
      const head = queue[0]!;
      const n = head.copy(frame, filled, 0, PCMU_FRAME - filled);
      filled += n;
      if (n === head.length) queue.shift();
      else queue[0] = head.subarray(n);
    }
    return frame;
  }

  /** Audio written so far, by the recorder's clock. */
  get seconds(): number {
    return (this.framesWritten * FRAME_MS) / 1000;
  }

  /** Ends the recording; null (and no file) if neither side ever sent audio. */
  async stop(): Promise<Recording | null> {
    clearInterval(this.clock);
    this.writeDueFrames();
    this.ffmpeg.stdin?.end();
    const kill = setTimeout(() => this.ffmpeg.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(kill);
    const spoken = this.packets.station + this.packets.console > 0;
    if (!existsSync(this.file)) return null;
    if (!spoken || statSync(this.file).size === 0) {
      unlinkSync(this.file);
      return null;
    }
    return {
      file: this.file,
      bytes: statSync(this.file).size,
      sha256: await sha256File(this.file),
      seconds: this.seconds,
    };
  }
}
