import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { pcmuPayload, RtpStream } from '../../devices/intercom/rtp.ts';
import { pcmuSdp, sdpAudioAddress } from '../../devices/intercom/sdp.ts';

/** Binds a UDP socket on an even port (RFC 3550 keeps the odd neighbour for RTCP) in 40000-49999. */
async function bindRtpSocket(host: string): Promise<Socket> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 40_000 + 2 * Math.floor(Math.random() * 5000);
    const socket = createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, host, () => resolve(true));
    });
    if (bound) return socket;
    socket.close();
  }
  throw new Error('no free RTP port in 40000-49999');
}

/**
 * The station's side of the media anchor: an RTP/PCMU port on the edge. What the station sends arrives here
 * (`audio`); what the console says is sent to the address of the station's SDP answer, as a stream of the
 * edge's own (SSRC, sequence, timestamps).
 */
export class StationLeg extends EventEmitter<{ audio: [Buffer] }> {
  private target: { host: string; port: number } | null = null;
  private readonly outgoing = new RtpStream();
  lastAudioAt = 0;

  private constructor(
    private readonly socket: Socket,
    readonly offer: string,
  ) {
    super();
    socket.on('message', (datagram) => {
      const payload = pcmuPayload(datagram);
      if (!payload) return;
      this.lastAudioAt = Date.now();
      this.emit('audio', payload);
    });
  }

  static async open(host: string): Promise<StationLeg> {
    const socket = await bindRtpSocket(host);
    return new StationLeg(socket, pcmuSdp(host, socket.address().port));
  }

  /** The station's SDP answer: where it listens for the console's audio. */
  answer(sdp: string): void {
    this.target = sdpAudioAddress(sdp);
  }

  send(payload: Buffer): void {
    if (!this.target) return; // the station has not said where it listens yet
    this.socket.send(this.outgoing.packet(payload).serialize(), this.target.port, this.target.host);
  }

  close(): void {
    this.removeAllListeners();
    this.socket.close();
  }
}
