import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import matches from 'mqtt-match';
import type { Bus, BusDenial, BusMessage } from './bus.ts';
import type { GroupCommit } from './group-commit.ts';

export interface ExternalBusOptions {
  /** e.g. mqtt://broker.venue.lan:1883 — the broker enforces device credentials and ACLs (see docs/bus.md). */
  url: string;
  /** Where devices connect, if not the same URL the edge uses. */
  deviceUrl?: string;
  username: string;
  password: string;
  clientId: string;
  /** Where the edge's handlers run for a message; the PUBACK to the broker waits for its commit. */
  commit: GroupCommit;
}

/**
 * The bus on an external broker (mosquitto, EMQX, …). A persistent session (clean=false, QoS 1) makes the broker
 * queue device messages for the edge while the edge or the broker restarts, and keeps a message it delivered
 * until the edge acknowledges it: mqtt.js sends the PUBACK when handleMessage calls back, which the edge does only
 * after the message's events are committed. A message not acknowledged when the edge dies is delivered again.
 */
export class ExternalBus extends EventEmitter<{ denied: [BusDenial]; connection: [boolean] }> implements Bus {
  private readonly client: MqttClient;
  private readonly handlers: { filter: string; handler: (message: BusMessage) => void }[] = [];

  constructor(private readonly options: ExternalBusOptions) {
    super();
    this.client = mqtt.connect(options.url, {
      username: options.username,
      password: options.password,
      clientId: options.clientId,
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
    });
    this.client.on('connect', (connack) => {
      // A broker that lost our session (restart without persistence) needs the subscriptions again.
      if (!connack.sessionPresent) for (const { filter } of this.handlers) this.client.subscribe(filter, { qos: 1 });
      this.emit('connection', true);
    });
    this.client.on('close', () => this.emit('connection', false));
    this.client.on('error', (err) =>
      this.emit('denied', { username: options.username, topic: null, reason: err.message }),
    );
    this.client.handleMessage = (packet, callback) => {
      if (packet.cmd !== 'publish') return callback();
      const message = { topic: packet.topic.toString(), payload: packet.payload as Buffer, retain: packet.retain };
      options.commit.submit(
        () => {
          for (const { filter, handler } of this.handlers) if (matches(filter, message.topic)) handler(message);
        },
        (err) => {
          callback(err ?? undefined);
          // The broker sends an unacknowledged message again only on a new connection (MQTT 3.1.1 §4.4).
          if (err) this.client.stream.destroy();
        },
      );
      // mqtt.js hands over one message at a time and waits for it: there is no batch to wait for.
      options.commit.flush();
    };
  }

  get deviceUrl(): string {
    return this.options.deviceUrl ?? this.options.url;
  }

  readonly deviceWsUrl = null;
  readonly deviceTlsUrl = null;
  readonly deviceWssUrl = null;

  get connected(): boolean {
    return this.client.connected;
  }

  waitConnected(): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise((resolve) => this.client.once('connect', () => resolve()));
  }

  async subscribe(filter: string, handler: (message: BusMessage) => void): Promise<void> {
    this.handlers.push({ filter, handler });
    await this.client.subscribeAsync(filter, { qos: 1 });
  }

  async publish(topic: string, payload: string | Buffer, options: { retain?: boolean } = {}): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, retain: options.retain ?? false });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
