import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { CheckpointSubmission } from '../store/checkpoint-format.ts';
import type { CheckpointOutcome, SendOutcome, UpstreamTransport } from './transport.ts';
import { mqttTopics, type SignedBatch } from './wire.ts';

export interface MqttTransportOptions {
  /** The city's broker (often a cluster), e.g. mqtts://mqtt.platform.city:8883 */
  url: string;
  venue: string;
  username?: string;
  password?: string;
  requestTimeoutMs: number;
}

/** What the platform publishes on the ack topic: the request id it answers and its answer. */
interface MqttAck {
  id: string;
  answer: SendOutcome | CheckpointOutcome;
}

type Unavailable = { status: 'unavailable'; error: string };

/**
 * The alternative transport for large deployments: batches published (QoS 1) to `city/{venue}/up/batch` and
 * checkpoints to `city/{venue}/up/checkpoint`, each with a request id, answered on `city/{venue}/down/ack`; downlink messages arrive on `city/{venue}/down/message`.
 * An answer for another request id (a duplicate or a late one) is ignored.
 */
export class MqttTransport implements UpstreamTransport {
  readonly kind = 'mqtt';
  private readonly client: MqttClient;
  private readonly topics: ReturnType<typeof mqttTopics>;
  private readonly waiting = new Map<string, (answer: SendOutcome | CheckpointOutcome) => void>();
  private handler: (envelope: unknown) => void = () => {};

  constructor(private readonly options: MqttTransportOptions) {
    this.topics = mqttTopics(options.venue);
    this.client = mqtt.connect(options.url, {
      username: options.username,
      password: options.password,
      clientId: `halledge-sync-${options.venue}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      // The venue asks for what it missed on every connect, so it keeps no broker session.
      clean: true,
    });
    this.client.on('connect', () => {
      this.client.subscribe([this.topics.ack, this.topics.message], { qos: 1 });
    });
    this.client.on('error', () => {}); // reconnects; each send reports its own outcome
    this.client.on('message', (topic, payload) => this.receive(topic, payload));
  }

  private receive(topic: string, payload: Buffer): void {
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (topic === this.topics.message) return this.handler(body);
    if (topic !== this.topics.ack) return;
    const ack = body as Partial<MqttAck>;
    if (typeof ack.id !== 'string' || !ack.answer) return;
    const resolve = this.waiting.get(ack.id);
    this.waiting.delete(ack.id);
    resolve?.(ack.answer);
  }

  send(batch: SignedBatch): Promise<SendOutcome> {
    return this.request(this.topics.batch, { batch }) as Promise<SendOutcome>;
  }

  sendCheckpoint(submission: CheckpointSubmission): Promise<CheckpointOutcome> {
    return this.request(this.topics.checkpoint, { submission }) as Promise<CheckpointOutcome>;
  }

  /** Publishes `{id, ...body}` and waits for the answer with that id on the ack topic (or the timeout). */
  private request(topic: string, body: object): Promise<SendOutcome | CheckpointOutcome | Unavailable> {
    if (!this.client.connected) return Promise.resolve({ status: 'unavailable', error: 'broker not connected' });
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ status: 'unavailable', error: 'no answer before the request timeout' });
      }, this.options.requestTimeoutMs);
      this.waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.client.publish(topic, JSON.stringify({ id, ...body }), { qos: 1 }, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve({ status: 'unavailable', error: err.message });
      });
    });
  }

  async requestDownlink(after: number): Promise<void> {
    if (!this.client.connected) throw new Error('broker not connected');
    await this.client.publishAsync(this.topics.pull, JSON.stringify({ after }), { qos: 1 });
  }

  onDownlink(handler: (envelope: unknown) => void): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    for (const resolve of this.waiting.values()) resolve({ status: 'unavailable', error: 'aborted (sync stopping)' });
    this.waiting.clear();
    await this.client.endAsync(true);
  }
}
