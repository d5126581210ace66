import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic } from '../devices/topics.ts';

/**
 * A locker bank publishing deposits as fast as a window of unacknowledged QoS 1 messages allows. Every deposit
 * becomes one `locker.deposit` event whose holder is unique, so the record can be checked against every PUBACK
 * the device received.
 */
export class DepositTraffic {
  /** Holders of the deposits the broker acknowledged (PUBACK received), whenever it arrived. */
  readonly acked = new Set<string>();
  /** performance.now() of each PUBACK, in order. */
  private readonly ackTimes: number[] = [];
  private sent = 0;
  private inFlight = 0;
  private running = true;
  /** performance.now() when publishing began. */
  readonly startedAt = performance.now();

  private constructor(
    private readonly client: MqttClient,
    private readonly topic: string,
    private readonly prefix: string,
    private readonly window: number,
  ) {
    this.pump();
  }

  static async start(options: {
    url: string;
    venue: string;
    password: string;
    /** Prefix of the holders, unique per run. */
    prefix: string;
    window?: number;
  }): Promise<DepositTraffic> {
    const client = await mqtt.connectAsync(options.url, {
      username: 'locker-bank-1',
      password: options.password,
      clientId: 'locker-bank-1', // the broker binds client id to credential
      reconnectPeriod: 0,
    });
    client.on('error', () => {}); // the edge dies under it: that is the point
    const topic = deviceTopic(options.venue, 'locker', 'locker-bank-1', 'event', 'deposit');
    return new DepositTraffic(client, topic, options.prefix, options.window ?? 400);
  }

  /** Deposits published and not yet acknowledged. */
  get outstanding(): number {
    return this.inFlight;
  }

  private pump(): void {
    while (this.running && this.client.connected && this.inFlight < this.window) {
      const holder = `${this.prefix}-${this.sent++}`;
      this.inFlight++;
      const body = JSON.stringify({ at: Date.now(), compartment: 1 + (this.sent % 20), holder });
      this.client.publish(this.topic, body, { qos: 1 }, (err) => {
        this.inFlight--;
        if (!err) {
          this.acked.add(holder);
          this.ackTimes.push(performance.now());
        }
        this.pump();
      });
    }
  }

  /** PUBACKs per second over the `windowMs` before `until`: the rate the traffic ran at, start-up excluded. */
  ackRate(until: number, windowMs = 1000): number {
    const from = Math.max(until - windowMs, this.startedAt);
    return this.ackTimes.filter((t) => t > from && t <= until).length / ((until - from) / 1000);
  }

  /** Stops publishing and drops the connection (nothing more can be acknowledged). */
  async stop(): Promise<void> {
    this.running = false;
    await this.client.endAsync(true);
  }
}
