import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DeviceSimulator, type SimulatorIdentity, type SimulatorOptions } from '../device-simulator.ts';

type CallState = 'idle' | 'calling' | 'ringing' | 'talking';

/** Where the edge wants the audio: the connection address and audio port of its SDP offer. */
export function rtpTarget(sdp: string): { host: string; port: number } {
  const host = /^c=IN IP4 (\S+)/m.exec(sdp)?.[1];
  const port = Number(/^m=audio (\d+) /m.exec(sdp)?.[1]);
  if (!host || !port) throw new Error('media: SDP names no audio address');
  return { host, port };
}

/**
 * An expert intercom station: presses call, answers a ring, and on `connected` streams audio as RTP/PCMU
 * with ffmpeg (a sine tone: the stand-in for a microphone) to the address the edge offered.
 */
export class IntercomStationSimulator extends DeviceSimulator {
  state: CallState = 'idle';
  callId: string | null = null;
  private sender: ChildProcess | null = null;

  constructor(
    identity: SimulatorIdentity,
    options: SimulatorOptions & { audioSeconds?: number; toneHz?: number; autoAnswer?: boolean },
  ) {
    super(identity, options);
    this.handle('ring', async (args) => {
      this.callId = String(args.callId);
      await this.setState('ringing');
      if (options.autoAnswer) await this.answer();
    });
    this.handle('connected', async (args) => {
      await this.setState('talking');
      this.sendAudio(String(args.media), options.audioSeconds ?? 2, options.toneHz ?? 440);
    });
    this.handle('hangup', async () => {
      this.stopAudio();
      this.callId = null;
      await this.setState('idle');
    });
  }

  protected override currentState(): Record<string, unknown> {
    return { call: this.state };
  }

  private async setState(state: CallState): Promise<void> {
    this.state = state;
    await this.publishState();
  }

  async call(): Promise<string> {
    this.callId = randomUUID();
    await this.setState('calling');
    await this.event('call', { callId: this.callId });
    return this.callId;
  }

  async answer(): Promise<void> {
    if (!this.callId) throw new Error(`${this.id} has no ringing call`);
    await this.event('answer', { callId: this.callId });
  }

  async hangup(): Promise<void> {
    if (!this.callId) return;
    this.stopAudio();
    await this.event('hangup', { callId: this.callId });
    this.callId = null;
    await this.setState('idle');
  }

  private sendAudio(sdp: string, seconds: number, hz: number): void {
    const { host, port } = rtpTarget(sdp);
    this.sender = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=${hz}:sample_rate=8000`,
      ].concat(['-t', String(seconds), '-ac', '1', '-c:a', 'pcm_mulaw', '-f', 'rtp', `rtp://${host}:${port}`]),
      { stdio: 'ignore' },
    );
  }

  private stopAudio(): void {
    if (this.sender?.exitCode === null) this.sender.kill('SIGINT');
    this.sender = null;
  }

  override async stop(): Promise<void> {
    this.stopAudio();
    await super.stop();
  }
}
