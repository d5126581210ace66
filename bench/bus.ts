import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { deviceCredential, EDGE_USERNAME, loadOrCreateSecret } from '../devices/provisioning.ts';
import { deviceTopic } from '../devices/topics.ts';
import { writeMosquittoConfig } from '../edge/bus/mosquitto-config.ts';
import { freePort, startMosquitto, stopMosquitto } from '../test/mosquitto.ts';
import { startTestVenue, tempDir, testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

interface PublisherRun {
  url: string;
  username: string;
  password: string;
  topic: string;
  messages: number;
  positionsPerMessage: number;
  body: 'positions' | 'deposit';
}

/** Publishes QoS 1 from a worker thread (the edge keeps its core) and returns the seconds until the last PUBACK. */
async function publish(run: PublisherRun): Promise<number> {
  const worker = new Worker(new URL('./mqtt-publisher.worker.mjs', import.meta.url), {
    workerData: { ...run, window: 500 },
  });
  const { seconds } = await new Promise<{ seconds: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  return seconds;
}

/** The anchor: bare aedes, no authentication, validation or record; one in-process subscriber counting. */
async function bareAedes(messages: number): Promise<number> {
  const aedes = await Aedes.createBroker();
  let received = 0;
  await new Promise<void>((r) =>
    aedes.subscribe(
      'hall/#',
      (_p, done) => {
        received++;
        done();
      },
      r,
    ),
  );
  const server: Server = createServer({ noDelay: true }, aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const seconds = await publish({
    url: `mqtt://127.0.0.1:${port}`,
    username: 'bench',
    password: 'bench',
    topic: deviceTopic('jincheng', 'locker', 'locker-bank-1', 'event', 'deposit'),
    messages,
    positionsPerMessage: 1,
    body: 'deposit',
  });
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => aedes.close(() => r()));
  if (received !== messages) throw new Error(`bare aedes delivered ${received} of ${messages}`);
  return messages / seconds;
}

/** Resolves when `done()` holds, polling; throws after `timeoutMs`. */
async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * External mosquitto: locker deposits from the device to the record, timed until the last one is committed, beside
 * the anchor of a bare mqtt.js subscriber on the same persistent session settings (clean=false, QoS 1).
 */
async function externalBroker(messages: number): Promise<BenchRow[]> {
  const dataDir = tempDir('halledge-bench-mosquitto-');
  const venue = testVenue('jincheng', 10);
  const secret = loadOrCreateSecret(join(dataDir, 'device-secret'));
  const port = freePort();
  const conf = writeMosquittoConfig(venue, secret, join(dataDir, 'mq'), {
    port,
    user: process.getuid?.() === 0 ? 'root' : undefined,
  });
  const mosquitto = await startMosquitto(conf, port);
  const url = `mqtt://127.0.0.1:${port}`;
  const device = {
    url,
    username: 'locker-bank-1',
    password: deviceCredential(secret, venue.id, 'locker-bank-1'),
    topic: deviceTopic(venue.id, 'locker', 'locker-bank-1', 'event', 'deposit'),
    messages,
    positionsPerMessage: 1,
    body: 'deposit' as const,
  };
  try {
    const bare = await mqtt.connectAsync(url, {
      username: EDGE_USERNAME,
      password: deviceCredential(secret, venue.id, EDGE_USERNAME),
      clientId: 'bench-bare-subscriber',
      clean: false,
    });
    let received = 0;
    bare.on('message', () => received++);
    await bare.subscribeAsync(`hall/${venue.id}/locker/#`, { qos: 1 });
    let started = performance.now();
    await publish(device);
    await until(() => received >= messages, 120_000, 'the bare subscriber');
    const anchor = messages / ((performance.now() - started) / 1000);
    await bare.endAsync();

    const edge = await startTestVenue({ venue, dataDir, bus: { kind: 'external', url } });
    const before = edge.log.head.seq;
    started = performance.now();
    await publish(device);
    await until(() => edge.log.head.seq - before >= messages, 120_000, 'the record');
    const rate = messages / ((performance.now() - started) / 1000);
    await edge.stop();
    return [
      {
        area: 'bus',
        metric: 'anchor: mosquitto → bare subscriber, QoS 1, clean=false',
        value: Math.round(anchor),
        unit: 'messages/s',
      },
      {
        area: 'bus',
        metric: 'mosquitto → edge, locker deposits, committed before PUBACK',
        value: Math.round(rate),
        unit: 'messages/s',
      },
      { area: 'bus', metric: '  … ratio to the bare subscriber', value: rate / anchor, unit: '×' },
    ];
  } finally {
    await stopMosquitto(mosquitto);
  }
}

/**
 * Device messages through the real bus: embedded broker → validation → gateway → record, each PUBACK sent after
 * the message's events are committed. Bare aedes runs first in the same process as the anchor.
 */
export async function run(): Promise<BenchRow[]> {
  const anchor = await bareAedes(60_000);
  const rows: BenchRow[] = [
    {
      area: 'bus',
      metric: 'anchor: bare aedes, QoS 1, in-process subscriber',
      value: Math.round(anchor),
      unit: 'messages/s',
    },
  ];
  const cases = [
    { messages: 60_000, positionsPerMessage: 1, body: 'positions', device: 'rtls-1', kind: 'rtls', event: 'positions' },
    { messages: 4_000, positionsPerMessage: 50, body: 'positions', device: 'rtls-1', kind: 'rtls', event: 'positions' },
    {
      messages: 60_000,
      positionsPerMessage: 1,
      body: 'deposit',
      device: 'locker-bank-1',
      kind: 'locker',
      event: 'deposit',
    },
  ] as const;
  // One locker bank pushed far past a real one's rate (200 messages/s): the broker's per-device limit
  // (edge/bus/device-limits.ts) would hold it to that, and this measures ingest, not the limit.
  const venue = {
    ...testVenue('jincheng', 10),
    bus: { deviceLimits: { locker: { messagesPerSecond: 1_000_000, burst: 1_000_000 } } },
  };
  for (const c of cases) {
    const edge = await startTestVenue({ venue });
    let positions = 0;
    edge.gateway.onEvent('rtls', 'positions', (_d, p) => {
      positions += (p.positions as unknown[]).length;
    });
    const before = edge.log.head.seq;
    const seconds = await publish({
      url: edge.bus.deviceUrl,
      username: c.device,
      password: edge.deviceCredential(c.device),
      topic: deviceTopic('jincheng', c.kind, c.device, 'event', c.event),
      messages: c.messages,
      positionsPerMessage: c.positionsPerMessage,
      body: c.body,
    });
    const recorded = edge.log.head.seq - before;
    await edge.stop();
    const rate = c.messages / seconds;
    if (c.body === 'positions') {
      if (positions !== c.messages * c.positionsPerMessage)
        throw new Error(`lost positions: ${positions} of ${c.messages * c.positionsPerMessage}`);
      rows.push({
        area: 'bus',
        metric: `MQTT ingest, QoS 1, ${c.positionsPerMessage} position(s)/message, validated`,
        value: Math.round(rate),
        unit: 'messages/s',
      });
      if (c.positionsPerMessage > 1)
        rows.push({
          area: 'bus',
          metric: '  … positions carried',
          value: Math.round(positions / seconds),
          unit: 'positions/s',
        });
    } else {
      // Every deposit is one event: a PUBACK is a promise that it is in the record.
      if (recorded < c.messages) throw new Error(`recorded ${recorded} events for ${c.messages} deposits`);
      rows.push({
        area: 'bus',
        metric: 'MQTT ingest, QoS 1, locker deposits, one event each',
        value: Math.round(rate),
        unit: 'messages/s',
        target: '≥ 20,000',
      });
      rows.push({ area: 'bus', metric: '  … ratio to bare aedes', value: rate / anchor, unit: '×' });
    }
  }
  rows.push(...(await externalBroker(20_000)));
  return rows;
}
