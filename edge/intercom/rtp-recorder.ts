import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createReadStream, existsSync, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Recording {
  file: string;
  bytes: number;
  sha256: string;
}

/** An even RTP port whose RTCP neighbour (port+1) is free too, as RFC 3550 pairs them. */
export async function freeRtpPort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 40_000 + 2 * Math.floor(Math.random() * 5000);
    const bound = await Promise.all([port, port + 1].map((p) => canBind(host, p)));
    if (bound.every(Boolean)) return port;
  }
  throw new Error('no free RTP port pair in 40000-49999');
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

/** The SDP a station sends its audio by: G.711 µ-law (PCMU, payload 0), the codec every SIP intercom speaks. */
export function pcmuSdp(host: string, port: number): string {
  return [
    'v=0',
    `o=halledge 0 0 IN IP4 ${host}`,
    's=HallEdge intercom',
    `c=IN IP4 ${host}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=recvonly',
    '',
  ].join('\r\n');
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The edge as media anchor: listens for a station's RTP audio and records it with ffmpeg into an Opus file
 * (small, and plays in the replay page's browser). stop() ends ffmpeg cleanly so the file is complete.
 */
export class RtpRecorder {
  private readonly ffmpeg: ChildProcess;
  private readonly exited: Promise<void>;

  private constructor(
    readonly file: string,
    readonly sdp: string,
    private readonly sdpFile: string,
    private readonly silenceS: number,
  ) {
    this.ffmpeg = spawn(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp']
        .concat(['-analyzeduration', '0', '-probesize', '32']) // the SDP names the codec: no probing, no lost first words
        .concat(['-listen_timeout', String(silenceS), '-i', sdpFile])
        .concat(['-ac', '1', '-c:a', 'libopus', '-b:a', '24k', '-y', file]),
      { stdio: 'ignore' },
    );
    this.exited = new Promise((resolve) => this.ffmpeg.once('exit', () => resolve()));
  }

  /** `silenceS`: seconds without RTP after which the recording ends by itself (also the wait for the first packet). */
  static async start(options: { host: string; file: string; silenceS?: number }): Promise<RtpRecorder> {
    mkdirSync(dirname(options.file), { recursive: true });
    const port = await freeRtpPort(options.host);
    const sdp = pcmuSdp(options.host, port);
    const sdpFile = `${options.file}.sdp`;
    writeFileSync(sdpFile, sdp);
    return new RtpRecorder(options.file, sdp, sdpFile, options.silenceS ?? 3);
  }

  /** Ends the recording; null if no audio ever arrived (ffmpeg writes no file then). */
  async stop(): Promise<Recording | null> {
    if (this.ffmpeg.exitCode === null) {
      // While audio flows, SIGINT ends ffmpeg cleanly at the next packet. Once the station has stopped sending,
      // ffmpeg sits in a read that a signal would abort along with the file's trailer: the SDP demuxer's own
      // silence timeout ends it cleanly instead. KILL only if it hangs beyond that.
      this.ffmpeg.kill('SIGINT');
      const last = setTimeout(() => this.ffmpeg.kill('SIGKILL'), (this.silenceS + 2) * 1000);
      await this.exited;
      clearTimeout(last);
    }
    if (existsSync(this.sdpFile)) unlinkSync(this.sdpFile);
    if (!existsSync(this.file) || statSync(this.file).size === 0) return null;
    return { file: this.file, bytes: statSync(this.file).size, sha256: await sha256File(this.file) };
  }
}
