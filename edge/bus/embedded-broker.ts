import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { type BusIdentity, publishDenial, subscribeDenial } from './acl.ts';
import type { Bus, BusDenial, BusMessage } from './bus.ts';
import {
  type BusLimits,
  clientIdOf,
  DEFAULT_BUS_LIMITS,
  largestPacket,
  limitsOf,
  MessageRate,
  publishLimitDenial,
} from './device-limits.ts';
import { PacketLimitedStream } from './packet-limit.ts';

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** MQTT over WebSocket for pages (kiosk, displays); null to disable, 0 for a free port. */
  wsPort: number | null;
  /** Maps a username and password to a bus identity, or null to refuse the connection. */
  authenticate(username: string, password: Buffer): BusIdentity | null;
  /** Packet sizes, message rates, retained messages, connections (device-limits.ts). */
  limits?: BusLimits;
}

type Subscription = { filter: string; handler: (message: BusMessage) => void };

/**
 * The default bus: an aedes broker inside the edge process, MQTT over TCP and WebSocket, every device
 * authenticated with its own credential and held to its own topics. The edge subscribes in-process, so its
 * subscriptions exist before the first device can connect, also after a broker restart.
 */
export class EmbeddedBroker extends EventEmitter<{ denied: [BusDenial]; connection: [boolean] }> implements Bus {
  private aedes: Aedes | null = null;
  private tcp: NetServer | null = null;
  private http: HttpServer | null = null;
  private wss: WebSocketServer | null = null;
  private readonly subscriptions: Subscription[] = [];
  private readonly identities = new WeakMap<Client, BusIdentity>();
  private readonly rate = new MessageRate();
  private port = 0;
  private wsPort: number | null = null;

  constructor(private readonly options: EmbeddedBrokerOptions) {
    super();
  }

  get deviceUrl(): string {
    return `mqtt://${this.options.host}:${this.port}`;
  }

  get deviceWsUrl(): string | null {
    return this.wsPort === null ? null : `ws://${this.options.host}:${this.wsPort}`;
  }

  get connected(): boolean {
    return this.aedes !== null;
  }

  async start(): Promise<void> {
    const limits = this.options.limits ?? DEFAULT_BUS_LIMITS;
    const aedes = await Aedes.createBroker({
      // A connection that has not authenticated within 10 s is closed; it holds a slot of maxConnections.
      connectTimeout: 10_000,
      authenticate: (client, username, password, done) => {
        const identity = username && password ? this.options.authenticate(username, password) : null;
        // The client id is bound to the credential: a device taking over another's session is refused here,
        // before aedes would close the session it names [MQTT-3.1.4-2].
        const wrongId = identity && client.id !== clientIdOf(identity);
        if (!identity || wrongId) {
          const reason = wrongId ? `client id must be "${clientIdOf(identity)}"` : 'bad username or password';
          this.emit('denied', { username: username ?? null, topic: null, reason });
          const error = new Error(reason) as AuthenticateError;
          error.returnCode = wrongId ? 2 : 4; // 2: identifier rejected
          return done(error, false);
        }
        this.identities.set(client, identity);
        if (client.conn instanceof PacketLimitedStream) client.conn.limit = limitsOf(limits, identity).packetBytes;
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        const identity = client ? this.identities.get(client) : undefined;
        // A refused PUBLISH closes the connection: MQTT 3.1.1 has no other way to refuse one without
        // acknowledging it [MQTT-3.3.5-2], and a QoS 1 message is never acknowledged and then dropped.
        const reason = identity
          ? (publishDenial(identity, packet.topic) ??
            publishLimitDenial(
              limits,
              this.rate,
              identity,
              { topic: packet.topic, retain: packet.retain, payloadBytes: packet.payload.length },
              Date.now(),
            ))
          : client
            ? 'unauthenticated'
            : null;
        if (reason) {
          this.emit('denied', {
            username: usernameOf(identity),
            topic: packet.topic,
            reason,
          });
          return done(new Error(reason));
        }
        done(null);
      },
      authorizeSubscribe: (client, subscription, done) => {
        const identity = this.identities.get(client);
        const reason = identity ? subscribeDenial(identity, subscription.topic) : 'unauthenticated';
        if (reason) {
          this.emit('denied', {
            username: usernameOf(identity),
            topic: subscription.topic,
            reason,
          });
          // A null subscription answers 0x80 (refused) for this filter without dropping the client.
          return done(null, null);
        }
        done(null, subscription);
      },
    });
    for (const s of this.subscriptions) await this.attach(aedes, s);
    this.aedes = aedes;
    // Every connection is read through the packet-size guard; the limit before authentication is small.
    const handle = (stream: Duplex, request?: IncomingMessage) =>
      aedes.handle(
        new PacketLimitedStream(stream, limits.unauthenticatedPacketBytes, (guarded, error) => {
          // aedes keeps its client on the connection it reads.
          const client = (guarded as { client?: Client }).client;
          this.emit('denied', {
            username: usernameOf(client && this.identities.get(client)),
            topic: null,
            reason: error.message,
          });
        }),
        request,
      );
    this.tcp = createNetServer({ noDelay: true }, handle);
    this.tcp.maxConnections = limits.maxConnections;
    this.port = await listen(this.tcp, this.options.host, this.port || this.options.port);
    if (this.options.wsPort !== null) {
      this.http = createHttpServer();
      this.http.maxConnections = limits.maxConnections;
      // ws refuses a frame over maxPayload before buffering it, as the guard does for a packet.
      this.wss = new WebSocketServer({ server: this.http, maxPayload: largestPacket(limits) });
      this.wss.on('connection', (socket, request) => {
        const stream = createWebSocketStream(socket);
        stream.on('error', () => socket.terminate());
        handle(stream, request);
      });
      this.wsPort = await listen(this.http, this.options.host, this.wsPort ?? this.options.wsPort);
    }
    this.emit('connection', true);
  }

  async subscribe(filter: string, handler: (message: BusMessage) => void): Promise<void> {
    const subscription = { filter, handler };
    this.subscriptions.push(subscription);
    if (this.aedes) await this.attach(this.aedes, subscription);
  }

  private attach(aedes: Aedes, { filter, handler }: Subscription): Promise<void> {
    return new Promise((resolve) =>
      aedes.subscribe(
        filter,
        (packet, done) => {
          try {
            handler({ topic: packet.topic, payload: Buffer.from(packet.payload), retain: packet.retain });
          } finally {
            done();
          }
        },
        resolve,
      ),
    );
  }

  publish(topic: string, payload: string | Buffer, options: { retain?: boolean } = {}): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('broker is stopped'));
    return new Promise((resolve, reject) =>
      aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: Buffer.from(payload),
          qos: 1,
          retain: options.retain ?? false,
          dup: false,
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  /** Stops the broker (clients are disconnected; their last wills fire). Subscriptions are kept for start(). */
  async stop(): Promise<void> {
    const { aedes, tcp, http, wss } = this;
    this.aedes = null;
    this.tcp = this.http = null;
    this.wss = null;
    for (const client of wss?.clients ?? []) client.terminate();
    await Promise.all([
      tcp && new Promise<void>((r) => tcp.close(() => r())),
      http && new Promise<void>((r) => http.close(() => r())),
      aedes && new Promise<void>((r) => aedes.close(() => r())),
    ]);
    this.emit('connection', false);
  }

  close(): Promise<void> {
    return this.stop();
  }
}

const usernameOf = (identity: BusIdentity | undefined) => (identity?.role === 'device' ? identity.deviceId : null);

function listen(server: NetServer | HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
