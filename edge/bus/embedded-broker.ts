import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import matches from 'mqtt-match';
import type { EdgeTls } from '../tls/venue-ca.ts';
import { type BusIdentity, publishDenial, subscribeDenial } from './acl.ts';
import {
  type BrokerListeners,
  certifiedDeviceId,
  type ListenerKind,
  type ListenerPorts,
  openListeners,
} from './broker-listeners.ts';
import type { Bus, BusDenial, BusMessage } from './bus.ts';
import {
  type BusLimits,
  clientIdOf,
  DEFAULT_BUS_LIMITS,
  largestPacket,
  limitsOf,
  MessageRate,
  rateWait,
  retainDenial,
} from './device-limits.ts';
import type { GroupCommit } from './group-commit.ts';
import { PacketLimitedStream } from './packet-limit.ts';

export interface EmbeddedBrokerOptions extends ListenerPorts {
  host: string;
  /** The edge's certificate and the venue CA, for the MQTTS and WSS listeners. */
  tls?: EdgeTls | null;
  /**
   * Maps what a client showed — username, password, and the device id its venue-CA client certificate names —
   * to a bus identity, or null to refuse the connection.
   */
  authenticate(username: string | null, password: Buffer | null, certifiedId: string | null): BusIdentity | null;
  /** Where the edge's handlers run for a device's message; aedes sends the PUBACK once it has committed. */
  commit: GroupCommit;
  /** Packet sizes, message rates, retained messages, connections (device-limits.ts). */
  limits?: BusLimits;
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
  private open: BrokerListeners | null = null;
  private bound: BrokerListeners['ports'] = {};
  private readonly subscriptions: Subscription[] = [];
  private readonly identities = new WeakMap<Client, BusIdentity>();
  private readonly rate = new MessageRate();
  /** Messages waiting for their device's rate: dropped unacknowledged at stop (their devices resend them). */
  private readonly held = new Set<NodeJS.Timeout>();

  constructor(private readonly options: EmbeddedBrokerOptions) {
    super();
  }

  private url(scheme: string, kind: ListenerKind): string | null {
    const port = this.bound[kind];
    return port === undefined ? null : `${scheme}://${this.options.host}:${port}`;
  }

  get deviceUrl(): string {
    return this.url('mqtt', 'port') ?? this.url('mqtts', 'tlsPort') ?? '';
  }

  get deviceWsUrl(): string | null {
    return this.url('ws', 'wsPort');
  }

  /** MQTT over TLS and over secure WebSocket, when those listeners are on. */
  get deviceTlsUrl(): string | null {
    return this.url('mqtts', 'tlsPort');
  }

  get deviceWssUrl(): string | null {
    return this.url('wss', 'wssPort');
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
        // The certificate is on the TLS socket (MQTTS) or under the WebSocket's upgrade request (WSS).
        const socket = client.conn instanceof PacketLimitedStream ? client.conn.socket : null;
        const certified = certifiedDeviceId(socket) ?? certifiedDeviceId(client.req?.socket);
        const identity = this.options.authenticate(username ?? null, password ?? null, certified);
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
        const now = Date.now();
        const facts = { topic: packet.topic, retain: packet.retain, payloadBytes: packet.payload.length };
        // A refused PUBLISH closes the connection: MQTT 3.1.1 has no other way to refuse one without
        // acknowledging it [MQTT-3.3.5-2], and a QoS 1 message is never acknowledged and then dropped.
        const denied = identity
          ? (publishDenial(identity, packet.topic) ?? retainDenial(limits, identity, facts))
          : client
            ? 'unauthenticated'
            : null;
        const turn = identity && !denied ? rateWait(limits, this.rate, identity, now) : { waitMs: 0 };
        const reason = denied ?? ('refused' in turn ? turn.refused : null);
        if (reason) {
          this.emit('denied', {
            username: usernameOf(identity),
            topic: packet.topic,
            reason,
          });
          return done(new Error(reason));
        }
        const message = { topic: packet.topic, payload: Buffer.from(packet.payload), retain: packet.retain };
        const commit = () => this.options.commit.submit(() => this.deliver(message), done);
        if ('waitMs' in turn && turn.waitMs > 0) this.heldForRate(commit, turn.waitMs);
        else commit();
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
    // A restart binds the ports of the first start again (0 asked for a free one then).
    const wanted = (kind: ListenerKind) => this.bound[kind] ?? this.options[kind] ?? null;
    this.open = await openListeners(
      this.options.host,
      { port: wanted('port'), wsPort: wanted('wsPort'), tlsPort: wanted('tlsPort'), wssPort: wanted('wssPort') },
      {
        tls: this.options.tls ?? null,
        maxConnections: limits.maxConnections,
        maxWsPayload: largestPacket(),
        handle,
      },
    );
    this.bound = this.open.ports;
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

  /** A message over its device's rate goes on after `waitMs`; its PUBACK waits with it. */
  private heldForRate(commit: () => void, waitMs: number): void {
    const timer = setTimeout(() => {
      this.held.delete(timer);
      commit();
    }, waitMs);
    this.held.add(timer);
  }

  /** Stops the broker (clients are disconnected; their last wills fire). Subscriptions are kept for start(). */
  async stop(): Promise<void> {
    const { aedes, open } = this;
    for (const timer of this.held) clearTimeout(timer);
    this.held.clear();
    this.aedes = null;
    this.open = null;
    await Promise.all([open?.close(), aedes && new Promise<void>((r) => aedes.close(() => r()))]);
    this.emit('connection', false);
  }

  close(): Promise<void> {
    return this.stop();
  }
}

const usernameOf = (identity: BusIdentity | undefined) => (identity?.role === 'device' ? identity.deviceId : null);
