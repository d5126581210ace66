import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, TLSSocket, type TlsOptions } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { EdgeTls } from '../tls/venue-ca.ts';

/** Where the embedded broker listens; null (or absent) turns a listener off, 0 picks a free port. */
export interface ListenerPorts {
  /** MQTT over TCP, in clear: for development, loopback, or devices that cannot do TLS. */
  port: number | null;
  /** MQTT over WebSocket, in clear. */
  wsPort?: number | null;
  /** MQTT over TLS (8883), with optional client certificates of the venue CA. */
  tlsPort?: number | null;
  /** MQTT over secure WebSocket. */
  wssPort?: number | null;
}

export type ListenerKind = keyof ListenerPorts;

export interface BrokerListeners {
  /** The bound port of each listener that is on. */
  ports: Partial<Record<ListenerKind, number>>;
  close(): Promise<void>;
}

/** How the broker takes a connection: the stream, and the HTTP upgrade request for WebSocket ones. */
export type ConnectionHandler = (stream: Duplex, request?: IncomingMessage) => void;

/**
 * Opens the broker's listeners. TLS ones ask for a client certificate but take a connection without one
 * (a device may sign in with its password); a certificate that does not chain to the venue CA is not trusted
 * (see certifiedDeviceId).
 */
export async function openListeners(
  host: string,
  ports: ListenerPorts,
  options: { tls: EdgeTls | null; maxConnections: number; maxWsPayload: number; handle: ConnectionHandler },
): Promise<BrokerListeners> {
  const { tls, handle } = options;
  const servers: { kind: ListenerKind; server: NetServer | HttpServer; wss?: WebSocketServer }[] = [];
  const tlsOptions: TlsOptions | null = tls
    ? { key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }
    : null;
  const secure = (kind: ListenerKind) => {
    if (!tlsOptions) throw new Error(`the ${kind} listener needs the venue's TLS certificate`);
    return tlsOptions;
  };
  const websocket = (server: HttpServer) => {
    // ws refuses a frame over maxPayload before buffering it, as the packet guard does for a packet.
    const wss = new WebSocketServer({ server, maxPayload: options.maxWsPayload });
    wss.on('connection', (socket, request) => {
      const stream = createWebSocketStream(socket);
      stream.on('error', () => socket.terminate());
      handle(stream, request);
    });
    return wss;
  };
  if (ports.port != null) servers.push({ kind: 'port', server: createNetServer({ noDelay: true }, (s) => handle(s)) });
  if (ports.tlsPort != null)
    servers.push({ kind: 'tlsPort', server: createTlsServer(secure('tlsPort'), (s) => handle(s)) });
  for (const kind of ['wsPort', 'wssPort'] as const) {
    if (ports[kind] == null) continue;
    const server = kind === 'wsPort' ? createHttpServer() : createHttpsServer(secure(kind));
    servers.push({ kind, server, wss: websocket(server) });
  }
  const bound: BrokerListeners['ports'] = {};
  const close = () =>
    Promise.all(
      servers.map(({ server, wss }) => {
        for (const client of wss?.clients ?? []) client.terminate();
        return new Promise<void>((r) => server.close(() => r()));
      }),
    ).then(() => {});
  try {
    for (const { kind, server } of servers) {
      server.maxConnections = options.maxConnections;
      bound[kind] = await listen(server, host, ports[kind]!);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { ports: bound, close };
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * The device id a connection proved with a client certificate issued by the venue CA (its subject's CN), or
 * null. `socket` is the TLS socket (MQTTS) or the one under the WebSocket's upgrade request (WSS).
 */
export function certifiedDeviceId(socket: unknown): string | null {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return null;
  // A client certificate, not the edge's own server certificate shown as one.
  if (!socket.getPeerX509Certificate()?.keyUsage?.includes(CLIENT_AUTH)) return null;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : null;
}

function listen(server: NetServer | HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
