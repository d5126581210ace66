// Several hub processes on one broker share the venues' requests: with a shared-subscription group each batch
// request reaches one hub and is answered once (without it, every hub would take and answer every request).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { mqttTopics } from '../edge/sync/wire.ts';
import { postgresDatabases } from '../test/hub-stores.ts';
import { freePort, startMosquitto, stopMosquitto } from '../test/mosquitto.ts';
import { outboxOver } from '../test/sync-fixture.ts';
import { eventually, tempDir } from '../test/venue-harness.ts';
import { type RunningHub, startHub } from './hub-app.ts';

const nextDatabase = postgresDatabases();
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe('hubs sharing one broker', () => {
  it('answer each batch request once, whichever hub took it', { timeout: 60_000 }, async () => {
    const dir = tempDir('halledge-share-');
    const port = freePort();
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
    const broker = await startMosquitto(conf, port);
    cleanup.push(() => stopMosquitto(broker));
    const url = `mqtt://127.0.0.1:${port}`;
    const store = { postgres: await nextDatabase() };
    const hubs: RunningHub[] = [];
    for (let i = 0; i < 2; i++)
      hubs.push(await startHub({ store, keyFile: join(dir, 'hub.key'), mqtt: url, mqttShareGroup: 'city-hub' }));
    cleanup.push(() => Promise.all(hubs.map((h) => h.stop())));
    const venue = await outboxOver('yangcheng', 'http://127.0.0.1:1', { hub: hubs[0]!.hub });
    cleanup.push(() => venue.close());
    venue.log.appendMany(Array.from({ length: 200 }, (_, i) => ({ type: 'clock.jumped' as const, data: { byMs: i } })));

    const client = await mqtt.connectAsync(url, { clientId: 'venue-yangcheng' });
    cleanup.push(() => client.endAsync(true));
    const topics = mqttTopics('yangcheng');
    const answers = new Map<string, unknown[]>();
    client.on('message', (_topic, payload) => {
      const { id, answer } = JSON.parse(payload.toString('utf8')) as { id: string; answer: unknown };
      answers.set(id, [...(answers.get(id) ?? []), answer]);
    });
    await client.subscribeAsync(topics.ack, { qos: 1 });
    // Twenty requests of ten events each, in order, without waiting for the answers.
    for (let k = 0; k < 20; k++)
      await client.publishAsync(
        topics.batch,
        JSON.stringify({ id: `b${k}`, batch: venue.outbox.buildBatch(k * 10, 10) }),
        {
          qos: 1,
        },
      );
    await eventually(
      () => answers.size,
      (n) => n === 20,
      30_000,
      'an answer to every request',
    );
    // Let any second answer arrive: the broker has delivered everything once the hubs have counted 20 batches.
    const counters = await eventually(
      () => hubs[0]!.hub.countersOf('yangcheng'),
      (c) => c.batches >= 20,
      30_000,
    );
    expect(counters.batches).toBe(20);
    expect([...answers.values()].every((a) => a.length === 1)).toBe(true);
    expect((await hubs[1]!.hub.head('yangcheng')).seq).toBeGreaterThan(0);
    expect(await hubs[1]!.hub.events('yangcheng')).toHaveLength((await hubs[0]!.hub.head('yangcheng')).seq);
  });
});
