import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { PCMU, RtpStream } from '../../devices/intercom/rtp.ts';

/** How long ICE candidate gathering may take: loopback host candidates only, so it is quick. */
const GATHER_TIMEOUT_MS = 5000;

const isLoopback = (address: string) => address.startsWith('127.');

/**
 * Which browser candidates the edge pairs with: on loopback (a console on the edge machine, the tests) only
 * loopback ones — never a candidate on another interface; on the LAN any IPv4 one the LAN address routes to.
 */
function reachable(mediaHost: string, candidate: string): boolean {
  return isLoopback(mediaHost) ? isLoopback(candidate) : isIPv4(candidate) && !isLoopback(candidate);
}

/**
 * The console page's side of the media anchor: a WebRTC peer (werift) that accepts the browser's offer and
 * negotiates G.711 µ-law only (browsers must support it, RFC 7874), so the station's payloads are relayed
 * as they are — no transcoding. ICE uses host candidates on the media address (loopback in tests, the
 * edge's LAN address in a venue); no STUN or TURN: console and edge are on the same network.
 */
export class BrowserLeg extends EventEmitter<{ audio: [Buffer]; closed: [] }> {
  private readonly pc: RTCPeerConnection;
  private readonly track = new MediaStreamTrack({ kind: 'audio' });
  private readonly outgoing = new RtpStream();
  private closed = false;

  constructor(host: string) {
    super();
    this.pc = new RTCPeerConnection({
      codecs: {
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: PCMU })],
        video: [],
      },
      iceServers: [],
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [host],
      iceInterfaceAddresses: { udp4: host },
      iceFilterCandidatePair: (pair) => reachable(host, pair.remoteCandidate.host),
    });
    this.pc.onTrack.subscribe((remote) => {
      remote.onReceiveRtp.subscribe((rtp) => {
        if (rtp.header.payloadType === PCMU && rtp.payload.length) this.emit('audio', rtp.payload);
      });
    });
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') this.close();
    });
  }

  /** Takes the browser's offer (non-trickle: its candidates included) and returns the answer with ours. */
  async answer(offer: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    if (!this.pc.getTransceivers().some((t) => t.kind === 'audio' && t.codecs.length))
      throw new Error('sdp: the offer has no audio with PCMU (G.711 µ-law)');
    this.pc.addTrack(this.track);
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.gathered();
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new Error('no local description');
    return sdp;
  }

  private async gathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return;
    await this.pc.iceGatheringStateChange.watch((s) => s === 'complete', GATHER_TIMEOUT_MS);
  }

  send(payload: Buffer): void {
    if (!this.closed) this.track.writeRtp(this.outgoing.packet(payload));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('closed');
    this.removeAllListeners();
    this.pc.close().catch(() => {});
  }
}
