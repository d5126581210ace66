import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic } from '../devices/topics.ts';

/** How long a stopping device waits for the broker to take its goodbye (retained offline status). */
const GOODBYE_TIMEOUT_MS = 5_000;

export interface SimulatorIdentity {
  venue: string;
  kind: string;
  id: string;
  /** The device's own bus password (provisioned per device). */
  password: string;
}

export interface SimulatorOptions {
  brokerUrl: string;
  firmware?: string;
  heartbeatS?: number;
}

export type CommandHandler = (args: Record<string, unknown>) => void | Promise<void>;

/**
 * A simulated device that speaks exactly the wire protocol a real one does: it connects with its own
 * credentials, leaves a last will, publishes retained status and state, heartbeats, and acknowledges
 * commands. Kinds extend it with their behaviour; nothing here knows about the edge's internals.
 */
export class DeviceSimulator extends EventEmitter<{ command: [string, Record<string, unknown>] }> {
  protected client: MqttClient | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly started = Date.now();
  private readonly commandHandlers = new Map<string, CommandHandler>();
  readonly received: { name: string; args: Record<string, unknown> }[] = [];

  constructor(
    readonly identity: SimulatorIdentity,
    protected readonly options: SimulatorOptions,
  ) {
    super();
  }

  get id(): string {
    return this.identity.id;
  }

  /** On the bus now (false while mqtt.js waits to reconnect). */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  topic(channel: 'status' | 'heartbeat' | 'state' | 'ack' | 'event' | 'cmd', name?: string): string {
    return deviceTopic(this.identity.venue, this.identity.kind, this.identity.id, channel, name);
  }

  /** Handles a command; throwing makes the ack say ok=false with the error. */
  handle(name: string, handler: CommandHandler): void {
    this.commandHandlers.set(name, handler);
  }

  async connect(): Promise<void> {
    const client = mqtt.connect(this.options.brokerUrl, {
      // The broker binds the client id to the credential: a device connects as itself.
      clientId: this.identity.id,
      username: this.identity.id,
      password: this.identity.password,
      clean: true,
      reconnectPeriod: 500,
      connectTimeout: 10_000,
      will: {
        topic: this.topic('status'),
        payload: Buffer.from(JSON.stringify({ online: false })),
        qos: 1,
        retain: true,
      },
    });
    this.client = client;
    client.on('connect', () => {
      // A connection dropped mid-subscribe just reconnects and tries again.
      client
        .subscribeAsync(`${this.topic('cmd')}/#`, { qos: 1 })
        .then(() => this.announce())
        .catch(() => {});
    });
    client.on('message', (topic, payload) => void this.onCommand(topic, payload));
    await new Promise<void>((resolve, reject) => {
      // A refusal (bad credential, wrong client id) is final; a timeout or a dropped line is not: mqtt.js tries
      // again after reconnectPeriod, as a real device keeps trying.
      const onError = (err: Error & { code?: unknown }) => {
        if (typeof err.code !== 'number') return;
        client.off('connect', onConnect);
        reject(err);
      };
      const onConnect = () => {
        client.off('error', onError);
        resolve();
      };
      client.once('connect', onConnect);
      client.on('error', onError);
    });
    this.heartbeat = setInterval(() => this.sendHeartbeat(), (this.options.heartbeatS ?? 10) * 1000);
    this.heartbeat.unref();
  }

  /** Called on every (re)connect: status online, first heartbeat, current state. */
  protected async announce(): Promise<void> {
    await this.publish('status', { online: true, at: Date.now() }, { retain: true });
    this.sendHeartbeat();
    const state = this.currentState();
    if (state) await this.publish('state', state, { retain: true });
  }

  /** The retained state a kind publishes; none by default. */
  protected currentState(): Record<string, unknown> | null {
    return null;
  }

  publishState(): Promise<void> {
    const state = this.currentState();
    return state ? this.publish('state', state, { retain: true }) : Promise.resolve();
  }

  private sendHeartbeat(): void {
    void this.publish('heartbeat', {
      at: Date.now(),
      firmware: this.options.firmware ?? 'sim-1.0.0',
      uptimeS: Math.round((Date.now() - this.started) / 1000),
    }).catch(() => {});
  }

  async event(name: string, body: Record<string, unknown>): Promise<void> {
    await this.publish('event', { at: Date.now(), ...body }, {}, name);
  }

  async publish(
    channel: 'status' | 'heartbeat' | 'state' | 'ack' | 'event',
    body: unknown,
    options: { retain?: boolean } = {},
    name?: string,
  ): Promise<void> {
    if (!this.client) throw new Error(`${this.id} is not connected`);
    await this.client.publishAsync(this.topic(channel, name), JSON.stringify(body), {
      qos: 1,
      retain: options.retain ?? false,
    });
  }

  /** Publishes raw bytes on any topic: for tests of what the edge does with bad or foreign messages. */
  async publishRaw(topic: string, payload: string | Buffer): Promise<void> {
    await this.client!.publishAsync(topic, payload, { qos: 1 });
  }

  private async onCommand(topic: string, payload: Buffer): Promise<void> {
    const name = topic.slice(this.topic('cmd').length + 1);
    let args: Record<string, unknown>;
    try {
      args = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    this.received.push({ name, args });
    this.emit('command', name, args);
    const handler = this.commandHandlers.get(name);
    let error: string | undefined;
    try {
      await handler?.(args);
    } catch (err) {
      error = (err as Error).message;
    }
    await this.publish('ack', {
      id: args.id,
      ok: error === undefined,
      ...(error ? { error } : {}),
      at: Date.now(),
    }).catch(() => {});
  }

  /** Clean shutdown: says so first, so the edge does not mistake it for a failure. */
  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    const client = this.client;
    this.client = null;
    if (!client) return;
    // A device powering down does not wait for ever on a broker that does not answer (its goodbye or the acks of
    // messages still in flight): past GOODBYE_TIMEOUT_MS it drops the line.
    const closed = (async () => {
      if (client.connected) {
        await client.publishAsync(
          this.topic('status'),
          JSON.stringify({ online: false, at: Date.now(), reason: 'shutdown' }),
          { qos: 1, retain: true },
        );
      }
      await client.endAsync();
    })();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), GOODBYE_TIMEOUT_MS);
    });
    const abandoned = await Promise.race([
      closed.then(
        () => false,
        () => true,
      ),
      gaveUp,
    ]);
    clearTimeout(timer);
    if (abandoned) client.end(true);
  }

  /** Simulates a power cut: the connection drops without a goodbye, so the broker publishes the last will. */
  crash(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.client?.stream.destroy();
    this.client?.end(true);
    this.client = null;
  }
}
