import mqtt from 'mqtt';
import type { SendOutcome } from '../edge/sync/transport.ts';
import { mqttTopics } from '../edge/sync/wire.ts';
import type { CityPlatform } from './platform.ts';

export interface PlatformMqttBridge {
  close(): Promise<void>;
}

/**
 * The platform on a (clustered) broker: takes batches from `city/+/up/batch`, answers on `city/{venue}/down/ack`,
 * answers pulls and publishes every new downlink message on `city/{venue}/down/message`. Faults as over HTTP;
 * a `drop` or `timeout` means no answer, `refuse` answers slow-down, `duplicate-ack` answers twice plus a stale one.
 */
export async function connectPlatformMqtt(platform: CityPlatform, url: string): Promise<PlatformMqttBridge> {
  const client = await mqtt.connectAsync(url, { clientId: `city-platform-${process.pid}`, reconnectPeriod: 500 });
  await client.subscribeAsync(['city/+/up/batch', 'city/+/up/pull', 'city/+/up/checkpoint'], { qos: 1 });
  const publish = (topic: string, body: unknown) => client.publishAsync(topic, JSON.stringify(body), { qos: 1 });

  client.on('message', (topic, payload) => {
    const [, venue, , channel] = topic.split('/');
    if (!venue) return;
    const topics = mqttTopics(venue);
    let body: { id?: string; batch?: unknown; after?: number; submission?: { checkpoint?: { venue?: unknown } } };
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (channel === 'pull') {
      for (const envelope of platform.downlinkAfter(venue, Number(body.after ?? 0)))
        void publish(topics.message, envelope);
      return;
    }
    if (channel === 'checkpoint' && typeof body.id === 'string') {
      const id = body.id;
      // The topic names the venue: a checkpoint for another venue is refused, not countersigned.
      const answer =
        body.submission?.checkpoint?.venue === venue
          ? platform.notary.receive(body.submission)
          : Promise.resolve({ status: 'refused', error: `checkpoint.venue: not ${venue}` });
      void answer.then((a) => publish(topics.ack, { id, answer: a }));
      return;
    }
    if (channel !== 'batch' || typeof body.id !== 'string') return;
    const id = body.id;
    const fault = platform.faults.next(venue);
    const answer = (a: SendOutcome) => publish(topics.ack, { id, answer: a });
    if (fault?.kind === 'refuse') {
      void answer({ status: 'slow-down', retryAfterMs: fault.retryAfterS * 1000, error: `refused ${fault.status}` });
      return;
    }
    if ((fault?.kind === 'timeout' || fault?.kind === 'drop') && !fault.afterStore) return;
    const stale = platform.previousAnswer(venue);
    const { answer: result } = platform.receive(body.batch);
    if (fault?.kind === 'timeout' || fault?.kind === 'drop') return;
    const delay = fault?.kind === 'slow' ? fault.ms : 0;
    setTimeout(() => {
      if (fault?.kind === 'duplicate-ack') {
        if (stale) void answer(stale);
        void answer(result);
      }
      void answer(result);
    }, delay);
  });

  const onDownlink = (envelope: { venue: string }) => void publish(mqttTopics(envelope.venue).message, envelope);
  platform.on('downlink', onDownlink);
  return {
    async close() {
      platform.off('downlink', onDownlink);
      await client.endAsync(true);
    },
  };
}
