import { signal } from '@preact/signals';

export type AudioState = 'connecting' | 'connected' | 'failed' | 'closed';

/** How long the page waits for its own ICE candidates before sending the offer (host candidates: quick). */
const GATHER_TIMEOUT_MS = 3000;

/**
 * The console's voice in a call: microphone (getUserMedia) and loudspeaker over WebRTC to the edge, which
 * relays to the room's station. Only G.711 µ-law is offered — the stations' codec, so the edge relays
 * without transcoding. Non-trickle: the offer goes to the hall server with its ICE candidates in it.
 */
export class ConsoleAudio {
  readonly state = signal<AudioState>('connecting');
  readonly error = signal<string | null>(null);
  /** RTP packets in (the station's voice) and out (this microphone), from the peer connection's stats. */
  readonly packets = signal({ received: 0, sent: 0, codec: '' });
  private pc: RTCPeerConnection | null = null;
  private mic: MediaStream | null = null;
  private statsTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly callId: string,
    /** Sends the offer to the edge and returns its answer (a local call's route, or a guest room call's). */
    private readonly join: (sdp: string) => Promise<{ type: 'answer'; sdp: string }>,
    private readonly speaker: HTMLAudioElement,
  ) {}

  async start(): Promise<void> {
    try {
      this.mic = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      if (this.state.value === 'closed') return this.stop();
      const pc = new RTCPeerConnection({ iceServers: [] });
      this.pc = pc;
      const transceiver = pc.addTransceiver(this.mic.getAudioTracks()[0]!, {
        direction: 'sendrecv',
        streams: [this.mic],
      });
      const pcmu = RTCRtpReceiver.getCapabilities('audio')?.codecs.filter((c) => c.mimeType === 'audio/PCMU') ?? [];
      if (!pcmu.length) throw new Error('this browser offers no G.711 µ-law (PCMU)');
      transceiver.setCodecPreferences(pcmu);
      pc.ontrack = (e) => {
        this.speaker.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        void this.speaker.play().catch(() => {});
      };
      pc.onconnectionstatechange = () => {
        if (pc.connectionState === 'connected') this.state.value = 'connected';
        if (pc.connectionState === 'failed') this.fail('ICE/DTLS failed');
      };
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const answer = await this.join(pc.localDescription!.sdp);
      await pc.setRemoteDescription(answer);
      this.statsTimer = setInterval(() => void this.readStats(), 1000);
    } catch (err) {
      this.fail((err as Error).message);
    }
  }

  private fail(reason: string): void {
    if (this.state.value === 'closed') return;
    this.error.value = reason;
    this.state.value = 'failed';
  }

  private async readStats(): Promise<void> {
    if (!this.pc) return;
    const next = { received: 0, sent: 0, codec: '' };
    const stats = await this.pc.getStats();
    stats.forEach(
      (report: RTCStats & { kind?: string; packetsReceived?: number; packetsSent?: number; codecId?: string }) => {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') {
          next.received += report.packetsReceived ?? 0;
          next.codec = (stats.get(report.codecId ?? '') as { mimeType?: string } | undefined)?.mimeType ?? '';
        }
        if (report.type === 'outbound-rtp' && report.kind === 'audio') next.sent += report.packetsSent ?? 0;
      },
    );
    this.packets.value = next;
  }

  stop(): void {
    this.state.value = 'closed';
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.pc?.close();
    this.pc = null;
    for (const track of this.mic?.getTracks() ?? []) track.stop();
    this.mic = null;
    this.speaker.srcObject = null;
  }
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(resolve, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', done);
  });
}
