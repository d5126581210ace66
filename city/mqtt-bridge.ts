import mqtt from 'mqtt';
import type { SendOutcome } from '../edge/sync/transport.ts';
import { mqttTopics } from '../edge/sync/wire.ts';
import type { FaultPlan } from './faults.ts';
import type { CityHub } from './hub.ts';

export interface HubMqttBridge {
  close(): Promise<void>;
}

/**
 * The hub on a (clustered) broker: takes batches from `city/+/up/batch`, answers on `city/{venue}/down/ack`,
 * answers pulls and publishes every new downlink message on `city/{venue}/down/message`. Injected faults as over
 * HTTP; a `drop` or `timeout` means no answer, `refuse` answers slow-down, `duplicate-ack` answers twice plus a
 * stale one.
 */
export async function connectHubMqtt(
  hub: CityHub,
  url: string,
  options: { faults?: FaultPlan | null } = {},
): Promise<HubMqttBridge> {
  const faults = options.faults ?? null;
  const client = await mqtt.connectAsync(url, {
    clientId: `city-hub-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    reconnectPeriod: 500,
  });
  await client.subscribeAsync(['city/+/up/batch', 'city/+/up/pull', 'city/+/up/checkpoint'], { qos: 1 });
  const publish = (topic: string, body: unknown) => client.publishAsync(topic, JSON.stringify(body), { qos: 1 });

  const onMessage = async (venue: string, channel: string | undefined, body: MqttRequest) => {
    const topics = mqttTopics(venue);
    if (channel === 'pull') {
      for (const envelope of await hub.downlinkAfter(venue, Number(body.after ?? 0)))
        void publish(topics.message, envelope);
      return;
    }
    if (typeof body.id !== 'string') return;
    const id = body.id;
    if (channel === 'checkpoint') {
      // The topic names the venue: a checkpoint for another venue is refused, not countersigned.
      const answer =
        body.submission?.checkpoint?.venue === venue
          ? await hub.notary.receive(body.submission)
          : { status: 'refused', error: `checkpoint.venue: not ${venue}` };
      await publish(topics.ack, { id, answer });
      return;
    }
    if (channel !== 'batch') return;
    const answer = (a: SendOutcome) => publish(topics.ack, { id, answer: a });
    const fault = faults?.next(venue) ?? null;
    if (fault?.kind === 'refuse') {
      await answer({ status: 'slow-down', retryAfterMs: fault.retryAfterS * 1000, error: `refused ${fault.status}` });
      return;
    }
    if ((fault?.kind === 'timeout' || fault?.kind === 'drop') && !fault.afterStore) return;
    const stale = faults?.previousAck(venue) ?? null;
    const { answer: result } = await hub.receive(body.batch);
    faults?.remember(venue, result);
    if (fault?.kind === 'timeout' || fault?.kind === 'drop') return;
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'duplicate-ack') {
      if (stale) void answer(stale);
      void answer(result);
    }
    await answer(result);
  };

  client.on('message', (topic, payload) => {
    const [, venue, , channel] = topic.split('/');
    if (!venue) return;
    let body: MqttRequest;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    onMessage(venue, channel, body).catch(() => {
      // The venue's request goes unanswered and it retries (the store was unreachable, or the hub is stopping).
    });
  });

  const onDownlink = (envelope: { venue: string }) => void publish(mqttTopics(envelope.venue).message, envelope);
  hub.on('downlink', onDownlink);
  return {
    async close() {
      hub.off('downlink', onDownlink);
      await client.endAsync(true);
    },
  };
}

interface MqttRequest {
  id?: string;
  batch?: unknown;
  after?: number;
  submission?: { checkpoint?: { venue?: unknown } };
}
