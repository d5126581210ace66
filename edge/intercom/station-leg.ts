import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { pcmuPayload, RtpStream } from './rtp.ts';

/** The SDP of an audio endpoint: G.711 µ-law (PCMU, payload 0), the codec every SIP intercom speaks. */
export function pcmuSdp(host: string, port: number, origin = 'halledge'): string {
  return [
    'v=0',
    `o=${origin} 0 0 IN IP4 ${host}`,
    's=HallEdge intercom',
    `c=IN IP4 ${host}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** The connection address and audio port an SDP names. */
export function sdpAudioAddress(sdp: string): { host: string; port: number } {
  const host = /^c=IN IP4 (\S+)/m.exec(sdp)?.[1];
  const port = Number(/^m=audio (\d+) /m.exec(sdp)?.[1]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error('sdp: names no audio address (c= and m=audio lines)');
  return { host, port };
}

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
