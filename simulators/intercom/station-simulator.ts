import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { pcmuPayload, RtpStream } from '../../devices/intercom/rtp.ts';
import { pcmuSdp, sdpAudioAddress } from '../../devices/intercom/sdp.ts';
import { DeviceSimulator, type SimulatorIdentity, type SimulatorOptions } from '../device-simulator.ts';
import { linearToMulaw } from './g711.ts';

type CallState = 'idle' | 'calling' | 'ringing' | 'talking';

const SAMPLE_RATE = 8000;
const FRAME_MS = 20;
const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;
const HEARD_KEPT = 1500; // 30 s

/**
 * An expert intercom station: presses call, answers a ring, and on `connected` takes the edge's SDP offer
 * the way a SIP station takes an INVITE: it opens its RTP port, answers with its own SDP (`media` event),
 * streams a sine tone (the stand-in for its microphone) as RTP/PCMU to the edge, and receives the console's
 * audio (the stand-in for its loudspeaker): `heard` keeps the payloads.
 */
export class IntercomStationSimulator extends DeviceSimulator {
  state: CallState = 'idle';
  callId: string | null = null;
  /** RTP packets received from the edge during the current or last call: the console's voice. */
  heardPackets = 0;
  /** Their G.711 payloads, the last HEARD_KEPT of them (a loudspeaker keeps nothing; a test looks at them). */
  heard: Buffer[] = [];
  /** RTP packets sent during the current or last call. */
  sentPackets = 0;
  private media: { socket: Socket; timer: NodeJS.Timeout } | null = null;

  constructor(
    identity: SimulatorIdentity,
    private readonly audio: SimulatorOptions & {
      /** Stop talking after this long (default: talk until the call ends, as real stations do). */
      audioSeconds?: number;
      toneHz?: number;
      autoAnswer?: boolean;
    },
  ) {
    super(identity, audio);
    this.handle('ring', async (args) => {
      this.callId = String(args.callId);
      await this.setState('ringing');
      if (audio.autoAnswer) await this.answer();
    });
    this.handle('connected', async (args) => {
      await this.setState('talking');
      const answer = await this.startMedia(String(args.media));
      await this.event('media', { callId: String(args.callId), sdp: answer });
    });
    this.handle('hangup', async () => {
      this.stopMedia();
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
    this.stopMedia();
    await this.event('hangup', { callId: this.callId });
    this.callId = null;
    await this.setState('idle');
  }

  /** Opens the station's RTP port on the offer's network, starts the tone; returns the SDP answer. */
  private async startMedia(offer: string): Promise<string> {
    this.stopMedia();
    const edge = sdpAudioAddress(offer);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, edge.host, () => resolve());
    });
    this.heard = [];
    this.heardPackets = 0;
    this.sentPackets = 0;
    socket.on('message', (datagram) => {
      const payload = pcmuPayload(datagram);
      if (!payload) return;
      this.heardPackets++;
      this.heard.push(payload);
      if (this.heard.length > HEARD_KEPT) this.heard.shift();
    });
    const stream = new RtpStream();
    const hz = this.audio.toneHz ?? 440;
    const stopAt = this.audio.audioSeconds ? Date.now() + this.audio.audioSeconds * 1000 : Number.POSITIVE_INFINITY;
    let sample = 0;
    const timer = setInterval(() => {
      if (Date.now() > stopAt) return;
      const frame = Buffer.alloc(FRAME_SAMPLES);
      for (let i = 0; i < FRAME_SAMPLES; i++, sample++)
        frame[i] = linearToMulaw(8000 * Math.sin((2 * Math.PI * hz * sample) / SAMPLE_RATE));
      socket.send(stream.packet(frame).serialize(), edge.port, edge.host);
      this.sentPackets++;
    }, FRAME_MS);
    this.media = { socket, timer };
    return pcmuSdp(edge.host, socket.address().port, this.id);
  }

  private stopMedia(): void {
    if (!this.media) return;
    clearInterval(this.media.timer);
    this.media.socket.close();
    this.media = null;
  }

  override async stop(): Promise<void> {
    this.stopMedia();
    await super.stop();
  }
}
