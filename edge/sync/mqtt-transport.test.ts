import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { verifyStoredChain } from '../../city/audit.ts';
import { connectHubMqtt, type HubMqttBridge } from '../../city/mqtt-bridge.ts';
import { configureSync, drawnSchedule, startTestHub, type TestHub } from '../../test/sync-fixture.ts';
import { eventually, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';
import { loadOrCreateVenueKey } from './keys.ts';

let city: TestHub | null = null;
let bridge: HubMqttBridge | null = null;
let edge: VenueRuntime | null = null;
let broker: ChildProcess | null = null;

afterEach(async () => {
  await edge?.stop();
  await bridge?.close();
  await city?.stop();
  broker?.kill('SIGKILL');
  edge = bridge = city = broker = null;
});

/** The city's broker: a real mosquitto on a loopback port. */
async function startMosquitto(dir: string, port: number): Promise<ChildProcess> {
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
  const proc = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
  const up = await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const probe = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 300 });
        const settle = (up: boolean) => {
          probe.end(true);
          resolve(up);
        };
        probe.on('connect', () => settle(true));
        probe.on('error', () => settle(false));
        probe.on('close', () => settle(false));
      }),
    Boolean,
    5000,
  );
  if (!up) throw new Error(`mosquitto did not start on ${port}`);
  return proc;
}

describe('MQTT transport through a real broker', () => {
  it('forwards exactly once through lost and duplicated acknowledgements and a broker restart; takes schedules pushed down', async () => {
    const dir = tempDir('halledge-mqtt-');
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    broker = await startMosquitto(dir, port);
    city = await startTestHub({ dir });
    bridge = await connectHubMqtt(city.hub, `mqtt://127.0.0.1:${port}`, { faults: city.faults });
    const { hub, faults } = city;

    const dataDir = tempDir();
    // Over MQTT the venue key is registered out of band (no enrolment request on the broker).
    await hub.registerVenue('yangcheng', loadOrCreateVenueKey(dataDir).publicKeyPem);
    configureSync(dataDir, hub, { transport: 'mqtt', url: `mqtt://127.0.0.1:${port}`, batchSize: 25 });
    faults.inject(
      'yangcheng',
      { kind: 'slow', ms: 50 },
      // The second batch is answered with the first one's acknowledgement as well as its own.
      { kind: 'duplicate-ack' },
      { kind: 'timeout', afterStore: true },
      { kind: 'refuse', status: 429, retryAfterS: 0.1 },
    );
    edge = await startTestVenue({ venue: testVenue('yangcheng', 30), dataDir });
    const facts = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        type: 'device.online' as const,
        subject: `gate-${i}`,
        data: { kind: 'gate', reason: 'status' },
      }));
    edge.log.appendMany(facts(150));

    // Schedules come down on the broker as soon as the hub publishes them.
    await hub.pushSchedule('yangcheng', drawnSchedule('yangcheng', { count: 2, remoteFrom: 'gaoping' }));
    const sessions = await eventually(
      () => edge!.services.sessions.list().length,
      (n) => n === 3,
      5000,
    );
    expect(sessions).toBe(3);
    expect(edge.services.sessions.get('REMOTE-GAOPING-1')?.remote).toEqual({
      hostVenue: 'gaoping',
      hostRoom: 'room-1',
    });

    await eventually(
      async () => (await hub.head('yangcheng')).seq,
      (seq) => seq > 100,
      10_000,
    );
    // The city's broker restarts mid-stream; the venue keeps recording meanwhile.
    broker.kill('SIGTERM');
    await new Promise((r) => broker!.once('exit', r));
    edge.log.appendMany(facts(100));
    broker = await startMosquitto(dir, port);

    const head = () => edge!.log.head.seq;
    await eventually(
      async () => edge!.services.sync.outbox!.ackedSeq === head() && (await hub.head('yangcheng')).seq === head(),
      Boolean,
      15_000,
    );
    expect((await hub.head('yangcheng')).seq).toBe(head());
    expect((await hub.events('yangcheng')).map((e) => e.hash)).toEqual(
      edge.log.query({ limit: 10_000 }).map((e) => e.hash),
    );
    expect(await verifyStoredChain(hub, 'yangcheng')).toEqual({ ok: true, events: head() });
    const counters = edge.services.sync.outbox!.status().counters;
    expect(faults.injected).toMatchObject({ slow: 1, 'duplicate-ack': 1, timeout: 1, refuse: 1 });
    // The duplicated acknowledgement was either stale (batch sent again) or answered a batch sent again anyway.
    expect(counters.staleAcks + counters.duplicates).toBeGreaterThanOrEqual(1);
    expect(counters.slowDowns).toBe(1);
    expect((await hub.countersOf('yangcheng')).duplicateEvents).toBeGreaterThan(0);
    expect(edge.services.sync.status()).toMatchObject({ transport: 'mqtt', outbox: { lag: { events: 0 } } });

    // A signed checkpoint takes the same way and its receipt comes back on the ack topic.
    const line = await edge.anchor.checkpoint();
    const receipted = await eventually(
      () => edge!.anchor.receipted?.receipt.size,
      (size) => size === line?.size,
      10_000,
    );
    expect(receipted).toBe(line?.size);
    expect(await hub.notary.latest('yangcheng')).toMatchObject({ size: line?.size, root: line?.root });
  });
});
