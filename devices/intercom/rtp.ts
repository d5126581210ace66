import { RtpHeader, RtpPacket } from 'werift';

/** RTP payload type of G.711 µ-law (RFC 3551): the one codec both legs of a call speak. */
export const PCMU = 0;
/** 20 ms of G.711 at 8 kHz: 160 one-byte samples, the packet size stations and browsers use. */
export const PCMU_FRAME = 160;

/**
 * One outgoing RTP stream: its own SSRC, sequence numbers and timestamps (RFC 3550), whatever the packets it
 * relays carried. The edge relays G.711 payloads between legs without transcoding; only the headers change.
 */
export class RtpStream {
  private readonly ssrc = Math.floor(Math.random() * 0xffff_ffff);
  private sequence = Math.floor(Math.random() * 0xffff);
  private timestamp = Math.floor(Math.random() * 0xffff_ffff);

  packet(payload: Buffer): RtpPacket {
    const header = new RtpHeader({
      payloadType: PCMU,
      ssrc: this.ssrc,
      sequenceNumber: this.sequence,
      timestamp: this.timestamp,
      marker: false,
    });
    this.sequence = (this.sequence + 1) & 0xffff;
    // G.711: one byte per sample, so the clock advances by the payload's length.
    this.timestamp = (this.timestamp + payload.length) >>> 0;
    return new RtpPacket(header, payload);
  }
}

/** The G.711 µ-law payload of an RTP datagram, or null for anything else (RTCP, other codecs, garbage). */
export function pcmuPayload(datagram: Buffer): Buffer | null {
  if (datagram.length < 12 || datagram[0]! >> 6 !== 2) return null;
  try {
    const packet = RtpPacket.deSerialize(datagram);
    return packet.header.payloadType === PCMU && packet.payload.length > 0 ? packet.payload : null;
  } catch {
    return null;
  }
}
