import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import matches from 'mqtt-match';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { type BusIdentity, publishDenial, subscribeDenial } from './acl.ts';
import type { Bus, BusDenial, BusMessage } from './bus.ts';
import type { GroupCommit } from './group-commit.ts';

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** MQTT over WebSocket for pages (kiosk, displays); null to disable, 0 for a free port. */
  wsPort: number | null;
  /** Maps a username and password to a bus identity, or null to refuse the connection. */
  authenticate(username: string, password: Buffer): BusIdentity | null;
  /** Where the edge's handlers run for a device's message; aedes sends the PUBACK once it has committed. */
  commit: GroupCommit;
}

type Subscription = { filter: string; handler: (message: BusMessage) => void };

/**
 * The default bus: an aedes broker inside the edge process, MQTT over TCP and WebSocket, every device
 * authenticated with its own credential and held to its own topics. The edge's handlers are not aedes
 * subscribers: aedes writes a QoS 1 PUBACK before it delivers to subscribers (lib/handlers/publish.js), so a
 * device's message (its last will too) is handled in authorizePublish, which aedes awaits before the PUBACK, and
 * authorised only once the group commit holding its events has committed.
 */
export class EmbeddedBroker extends EventEmitter<{ denied: [BusDenial]; connection: [boolean] }> implements Bus {
  private aedes: Aedes | null = null;
  private tcp: NetServer | null = null;
  private http: HttpServer | null = null;
  private wss: WebSocketServer | null = null;
  private readonly subscriptions: Subscription[] = [];
  private readonly identities = new WeakMap<Client, BusIdentity>();
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
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const identity = username && password ? this.options.authenticate(username, password) : null;
        if (!identity) {
          this.emit('denied', {
            username: username ?? null,
            topic: null,
            reason: 'bad username or password',
          });
          const error = new Error('bad username or password') as AuthenticateError;
          error.returnCode = 4;
          return done(error, false);
        }
        this.identities.set(client, identity);
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        const identity = client ? this.identities.get(client) : undefined;
        const reason = identity ? publishDenial(identity, packet.topic) : client ? 'unauthenticated' : null;
        if (reason) {
          this.emit('denied', {
            username: identity && 'deviceId' in identity ? identity.deviceId : null,
            topic: packet.topic,
            reason,
          });
          return done(new Error(reason));
        }
        const message = { topic: packet.topic, payload: Buffer.from(packet.payload), retain: packet.retain };
        this.options.commit.submit(() => this.deliver(message), done);
      },
      authorizeSubscribe: (client, subscription, done) => {
        const identity = this.identities.get(client);
        const reason = identity ? subscribeDenial(identity, subscription.topic) : 'unauthenticated';
        if (reason) {
          this.emit('denied', {
            username: identity && 'deviceId' in identity ? identity.deviceId : null,
            topic: subscription.topic,
            reason,
          });
          // A null subscription answers 0x80 (refused) for this filter without dropping the client.
          return done(null, null);
        }
        done(null, subscription);
      },
    });
    this.aedes = aedes;
    this.tcp = createNetServer({ noDelay: true }, aedes.handle);
    this.port = await listen(this.tcp, this.options.host, this.port || this.options.port);
    if (this.options.wsPort !== null) {
      this.http = createHttpServer();
      this.wss = new WebSocketServer({ server: this.http });
      this.wss.on('connection', (socket, request) => {
        const stream = createWebSocketStream(socket);
        stream.on('error', () => socket.terminate());
        aedes.handle(stream, request);
      });
      this.wsPort = await listen(this.http, this.options.host, this.wsPort ?? this.options.wsPort);
    }
    this.emit('connection', true);
  }

  async subscribe(filter: string, handler: (message: BusMessage) => void): Promise<void> {
    this.subscriptions.push({ filter, handler });
  }

  private deliver(message: BusMessage): void {
    for (const { filter, handler } of this.subscriptions) if (matches(filter, message.topic)) handler(message);
  }

  /** The edge's own messages (commands) also reach the edge's handlers, as a subscriber would see them. */
  publish(topic: string, payload: string | Buffer, options: { retain?: boolean } = {}): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('broker is stopped'));
    const message = { topic, payload: Buffer.from(payload), retain: options.retain ?? false };
    return new Promise((resolve, reject) =>
      aedes.publish({ cmd: 'publish', ...message, qos: 1, dup: false }, (err) => {
        if (err) return reject(err);
        try {
          this.deliver(message);
          resolve();
        } catch (handlerErr) {
          reject(handlerErr);
        }
      }),
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

function listen(server: NetServer | HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
