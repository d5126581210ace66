// The intercom stations' audio leg as the device contract fixes it: SDP offers and answers naming one G.711 µ-law
// RTP endpoint (RTP itself: rtp.ts). Shared by the edge's media bridge and the station simulator.

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
