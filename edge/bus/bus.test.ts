import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { DeviceSimulator } from '../../simulators/device-simulator.ts';
import {
  api,
  authHeaders,
  collectPositionNumbers,
  eventually,
  sendNumberedPositions,
  simulatorFor,
  startTestVenue,
} from '../../test/venue-harness.ts';
import type { EmbeddedBroker } from './embedded-broker.ts';

let edge: VenueRuntime;
const sims: DeviceSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop().catch(() => {})));
  await edge?.stop();
});

async function connectSim(id: string) {
  const sim = simulatorFor(edge, id);
  sims.push(sim);
  await sim.connect();
  return sim;
}

const deviceState = async (id: string) => (await api(edge, `/api/devices/${id}`)).body;

describe('device bus', () => {
  it('shows a connected device online through the API and the WebSocket feed', async () => {
    edge = await startTestVenue();
    const ws = new WebSocket(`${edge.httpUrl.replace('http', 'ws')}/api/feed`, { headers: await authHeaders(edge) });
    const feed: { type: string; subject: string }[] = [];
    ws.on('message', (m) => feed.push(JSON.parse(m.toString()).event));
    await new Promise((r) => ws.once('open', r));
    await connectSim('gate-entrance');
    const state = await eventually(
      () => deviceState('gate-entrance'),
      (d) => d.online && d.firmware === 'sim-1.0.0',
    );
    expect(state).toMatchObject({ id: 'gate-entrance', kind: 'gate', online: true, firmware: 'sim-1.0.0' });
    await eventually(
      () => feed,
      (f) => f.some((e) => e.type === 'device.online'),
    );
    expect(feed.find((e) => e.type === 'device.online')?.subject).toBe('gate-entrance');
    ws.close();
  });

  it('refuses a wrong password and a device id that is not in the venue file', async () => {
    edge = await startTestVenue();
    for (const [username, password] of [
      ['gate-entrance', 'guess'],
      ['intruder', edge.deviceCredential('intruder')],
    ]) {
      const client = mqtt.connect(edge.bus.deviceUrl, { username, password, reconnectPeriod: 0 });
      const error = await new Promise<Error>((resolve) => client.once('error', resolve));
      expect(error.message).toMatch(/Bad username or password|Not authorized/i);
      client.end(true);
    }
    expect(edge.gateway.stats.denied).toBe(2);
  });

  it('drops a device that publishes under another device and refuses its foreign subscriptions', async () => {
    edge = await startTestVenue();
    const gate = await connectSim('gate-entrance');
    await eventually(() => edge.registry.get('gate-entrance')!.online, Boolean);
    const foreign = 'hall/qinshui/door/door-room-1/event/pass-request';
    const client = mqtt.connect(edge.bus.deviceUrl, {
      clientId: 'gate-exit',
      username: 'gate-exit',
      password: edge.deviceCredential('gate-exit'),
      reconnectPeriod: 0,
    });
    await new Promise((r) => client.once('connect', r));
    await expect(client.subscribeAsync('hall/qinshui/gate/gate-entrance/cmd/#', { qos: 1 })).rejects.toThrow(
      /Subscribe error/,
    );
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.publish(
      foreign,
      JSON.stringify({
        at: Date.now(),
        requestId: 'x',
        credential: { type: 'badge', value: 'b1' },
        direction: 'in',
      }),
      { qos: 1 },
    );
    await closed;
    const denied = await eventually(
      () => edge.log.query({ type: 'bus.denied' }),
      (e) => e.length >= 2,
    );
    expect(denied.map((e) => e.data.reason)).toEqual([
      'device gate-exit may subscribe only to hall/qinshui/gate/gate-exit/cmd/#',
      'device gate-exit may publish only under hall/qinshui/gate/gate-exit/',
    ]);
    // The well-behaved device is unaffected.
    expect(edge.registry.get('gate-entrance')!.online).toBe(true);
    expect(gate.identity.id).toBe('gate-entrance');
  });

  it('rejects malformed payloads with the field and reason, counts them, and keeps serving', async () => {
    edge = await startTestVenue();
    const received: unknown[] = [];
    edge.gateway.onEvent('gate', 'pass-request', (_d, p) => received.push(p));
    const gate = await connectSim('gate-entrance');
    await gate.publishRaw(gate.topic('event', 'pass-request'), '{not json');
    await gate.event('pass-request', {
      requestId: 'r1',
      credential: { type: 'badge', value: 'b1' },
      direction: 'sideways',
    });
    await gate.event('no-such-event', {});
    await gate.publishRaw(gate.topic('event', 'pass-request'), Buffer.from([0xff, 0xfe, 0x00]));
    await gate.event('pass-request', {
      requestId: 'r2',
      credential: { type: 'badge', value: 'b1' },
      direction: 'in',
    });
    const device = await eventually(
      () => deviceState('gate-entrance'),
      (d) => d.malformed === 4,
    );
    expect(device.malformed).toBe(4);
    expect(received).toEqual([expect.objectContaining({ requestId: 'r2' })]);
    const [first] = edge.log.query({ type: 'device.malformed' });
    expect(first!.data.error).toMatch(/^payload is not JSON/);
    expect(edge.gateway.stats).toMatchObject({ malformed: 4 });
    const bus = await api(edge, '/api/bus');
    expect(bus.body.stats.malformed).toBe(4);
    // Later malformed messages within the minute are counted, not each written to the record.
    expect(edge.log.query({ type: 'device.malformed' })).toHaveLength(1);
  });

  it('names the wrong field of a schema violation', async () => {
    edge = await startTestVenue();
    const gate = await connectSim('gate-entrance');
    await gate.event('pass-request', {
      requestId: 'r1',
      credential: { type: 'badge', value: 'b1' },
      direction: 'sideways',
    });
    const device = await eventually(
      () => deviceState('gate-entrance'),
      (d) => d.malformed === 1,
    );
    expect(device.lastError).toBe('/direction: must be equal to one of the allowed values');
  });

  it('marks a crashed device offline by its last will, raises an alarm, and clears it when it returns', async () => {
    edge = await startTestVenue();
    const gate = await connectSim('gate-entrance');
    await eventually(() => edge.registry.get('gate-entrance')!.online, Boolean);
    gate.crash();
    const offline = await eventually(
      () => edge.log.query({ type: 'device.offline' }),
      (e) => e.length === 1,
    );
    expect(offline[0]!.data.reason).toBe('last-will');
    expect(edge.alarms.openFor('device-offline', 'gate-entrance')?.level).toBe(2);
    await connectSim('gate-entrance');
    await eventually(() => edge.registry.get('gate-entrance')!.online, Boolean);
    expect(edge.alarms.openFor('device-offline', 'gate-entrance')).toBeNull();
    const resolved = edge.log.query({ type: 'alarm.resolved' });
    expect(resolved[0]!.data.note).toBe('device back online');
  });

  it('marks a device offline when its heartbeats stop although its connection stays up', async () => {
    edge = await startTestVenue();
    const client = mqtt.connect(edge.bus.deviceUrl, {
      clientId: 'fire-panel',
      username: 'fire-panel',
      password: edge.deviceCredential('fire-panel'),
    });
    await new Promise((r) => client.once('connect', r));
    await client.publishAsync('hall/qinshui/fire-panel/fire-panel/status', JSON.stringify({ online: true }), {
      qos: 1,
      retain: true,
    });
    await eventually(() => edge.registry.get('fire-panel')!.online, Boolean);
    const offline = await eventually(
      () => edge.log.query({ type: 'device.offline' }),
      (e) => e.length === 1,
      6000,
    );
    expect(offline[0]).toMatchObject({ subject: 'fire-panel', data: { reason: 'heartbeat-timeout' } });
    client.end(true);
  });

  it('a clean shutdown is recorded as announced, not as a failure', async () => {
    edge = await startTestVenue();
    const gate = await connectSim('gate-exit');
    await eventually(() => edge.registry.get('gate-exit')!.online, Boolean);
    await gate.stop();
    const offline = await eventually(
      () => edge.log.query({ type: 'device.offline' }),
      (e) => e.length === 1,
    );
    expect(offline[0]!.data.reason).toBe('announced');
  });

  it('loses no device event across an embedded broker restart', async () => {
    edge = await startTestVenue();
    const seen = collectPositionNumbers(edge);
    const rtls = await connectSim('rtls-1');
    const broker = edge.bus as EmbeddedBroker;
    const total = 2000;
    const sending = sendNumberedPositions(rtls, total);
    await eventually(
      () => seen.size,
      (n) => n > 50,
    );
    await broker.stop();
    // Traffic was in flight: the device had more to send than the edge had taken when the broker went.
    expect(seen.size).toBeLessThan(total);
    // The broker is down until the device has seen its connection drop: what it sends now waits for the reconnect.
    await eventually(
      () => rtls.connected,
      (c) => !c,
      20_000,
      'rtls-1 to lose the broker',
    );
    await broker.start();
    await sending;
    expect(seen.size).toBe(total);
  });
});
