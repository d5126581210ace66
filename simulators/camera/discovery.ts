import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/**
 * WS-Discovery (ONVIF Core §7) responder: answers a Probe for NetworkVideoTransmitter with one ProbeMatch per
 * camera. It binds to 127.0.0.1 only (this project never leaves loopback), so it answers unicast probes sent
 * to 127.0.0.1:port; multicast 239.255.255.250:3702 needs a non-loopback interface and is not joined here.
 */
export class WsDiscoveryResponder {
  private socket?: Socket;
  port: number;

  constructor(
    private readonly cameras: { id: string; xaddr: string }[],
    port = 0,
  ) {
    this.port = port;
  }

  async start(): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    this.socket = socket;
    socket.on('message', (msg, from) => {
      const text = msg.toString('utf8');
      if (!/Probe\b/.test(text) || /ProbeMatches/.test(text)) return;
      const relatesTo = /MessageID[^>]*>([^<]+)</.exec(text)?.[1] ?? '';
      for (const cam of this.cameras) {
        const reply = Buffer.from(probeMatch(cam, relatesTo));
        socket.send(reply, from.port, from.address);
      }
    });
    await new Promise<void>((ok) => socket.bind(this.port, '127.0.0.1', ok));
    this.port = socket.address().port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((ok) => (this.socket ? this.socket.close(() => ok()) : ok()));
  }
}

const probeMatch = (cam: { id: string; xaddr: string }, relatesTo: string) =>
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ' +
  'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
  'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
  `<SOAP-ENV:Header><wsa:MessageID>uuid:${randomUUID()}</wsa:MessageID><wsa:RelatesTo>${relatesTo}</wsa:RelatesTo>` +
  '<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
  '<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header>' +
  '<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>' +
  `<wsa:EndpointReference><wsa:Address>urn:uuid:${uuidFor(cam.id)}</wsa:Address></wsa:EndpointReference>` +
  '<d:Types>dn:NetworkVideoTransmitter</d:Types>' +
  `<d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/${cam.id} onvif://www.onvif.org/hardware/SimCam-1</d:Scopes>` +
  `<d:XAddrs>${cam.xaddr}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>` +
  '</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>';

/** A stable endpoint UUID per camera id, so rediscovery finds the same device. */
function uuidFor(id: string): string {
  const hex = Buffer.from(id.padEnd(16, '0').slice(0, 16)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
