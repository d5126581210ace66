import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { DeviceSimulator } from '../../simulators/device-simulator.ts';
import { eventually, simulatorFor, startTestVenue } from '../../test/venue-harness.ts';
import { packetBytesOf } from './device-limits.ts';

let edge: VenueRuntime;
const sims: DeviceSimulator[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await Promise.all(sims.splice(0).map((s) => s.stop().catch(() => {})));
  await edge?.stop();
});

/** A raw device connection with `username`'s own password; resolves once connected. */
async function connect(username: string, clientId = username): Promise<MqttClient> {
  const client = mqtt.connect(edge.bus.deviceUrl, {
    clientId,
    username,
    password: edge.deviceCredential(username),
    reconnectPeriod: 0,
  });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

const closed = (client: MqttClient) => new Promise<void>((r) => client.once('close', () => r()));

/** Waits for the bus.denied records to reach `n`; fails at the timeout. */
async function deniedReasons(n: number): Promise<string[]> {
  const reasons = await eventually(
    () => edge.log.query({ type: 'bus.denied' }).map((e) => String(e.data.reason)),
    (r) => r.length >= n,
  );
  if (reasons.length < n) throw new Error(`expected ${n} bus.denied records, found ${JSON.stringify(reasons)}`);
  return reasons;
}

describe('device bus limits, end to end', () => {
  it("refuses gate-entrance's credential under gate-exit's client id and leaves gate-exit connected", async () => {
    edge = await startTestVenue();
    const exit = simulatorFor(edge, 'gate-exit');
    sims.push(exit);
    await exit.connect();
    const online = await eventually(() => edge.registry.get('gate-exit')!.online, Boolean);
    expect(online).toBe(true);
    for (let i = 0; i < 3; i++) {
      const error = await connect('gate-entrance', 'gate-exit').then(
        () => null,
        (err: Error) => err,
      );
      expect(error?.message).toMatch(/Identifier rejected/i);
    }
    expect(await deniedReasons(1)).toContain('client id must be "gate-entrance"');
    // The real gate-exit was never kicked off: no offline, no alarm, and it still talks to the edge.
    await exit.event('passage', { direction: 'out', count: 1 });
    expect(edge.log.query({ type: 'device.offline' })).toEqual([]);
    expect(edge.registry.get('gate-exit')!.online).toBe(true);
  });

  it('closes a connection whose packet is over its kind’s limit, before reading it, and records why', async () => {
    edge = await startTestVenue();
    const gate = await connect('gate-entrance');
    const gone = closed(gate);
    gate.publish('hall/qinshui/gate/gate-entrance/event/pass-request', Buffer.alloc(200_000, 'a'), { qos: 1 });
    await gone;
    expect(await deniedReasons(1)).toEqual([`packet of 200058 bytes is over ${packetBytesOf('gate')}`]);
    expect(edge.log.query({ type: 'bus.denied' })[0]!.subject).toBe('gate-entrance');
  });

  it('slows a device over its message rate instead of cutting it off; only one a whole burst ahead is closed', async () => {
    edge = await startTestVenue();
    // The face terminal: 10 messages/s, bursts of 20 (docs/security.md).
    const terminal = await connect('ft-entrance');
    let closes = 0;
    terminal.on('close', () => closes++);
    const heartbeat = () =>
      terminal.publishAsync(
        'hall/qinshui/face-terminal/ft-entrance/heartbeat',
        JSON.stringify({ at: Date.now(), firmware: 'f' }),
        { qos: 1 },
      );
    const sentAt = Date.now();
    // 35 at once: the burst goes through, the 15 over it are each held for their token, then acknowledged.
    await Promise.all(Array.from({ length: 35 }, heartbeat));
    const lastAckAt = Date.now();
    expect(closes).toBe(0);
    expect(edge.log.query({ type: 'bus.denied' })).toEqual([]);
    // The 35th message's token comes 1.5 s after the first message at the soonest (a lower bound: a slow machine
    // only makes it later).
    expect(lastAckAt - sentAt).toBeGreaterThanOrEqual(1400);

    // A flood more than a burst ahead of its tokens is refused, and that closes the connection.
    const gone = closed(terminal);
    for (let i = 0; i < 60; i++) void heartbeat().catch(() => {});
    await gone;
    expect(await deniedReasons(1)).toEqual(['over 10 messages/s by more than a burst of 20']);
  });

  it('refuses a topic holding NUL', async () => {
    edge = await startTestVenue();
    const gate = await connect('gate-entrance');
    const gone = closed(gate);
    gate.publish('hall/qinshui/gate/gate-entrance/event/pass\u0000request', '{}', { qos: 1 });
    await gone;
    expect(await deniedReasons(1)).toEqual([
      String.raw`topic level "pass\u0000request" is not lower-case letters, digits and dashes`,
    ]);
  });

  it('keeps retained messages only on status and state, small: a flood leaves at most those two', async () => {
    edge = await startTestVenue();
    for (let i = 0; i < 20; i++) {
      // The face terminal: its packets may be large, so only the retained rule stops a large state.
      const terminal = await connect('ft-entrance');
      const gone = closed(terminal);
      const [topic, size] = i % 2 ? [`event/capture-${i}`, 100] : ['state', 20_000];
      terminal.publish(`hall/qinshui/face-terminal/ft-entrance/${topic}`, Buffer.alloc(size, 'a'), {
        qos: 1,
        retain: true,
      });
      await gone; // each refused message closes its connection
    }
    const reasons = await deniedReasons(2);
    expect(reasons).toContain('only status and state are retained, not event');
    expect(reasons).toContain('retained payload of 20000 bytes is over 16384');
    // What the broker keeps for the terminal (aedes' persistence is not in its types).
    const persistence = Reflect.get(Reflect.get(edge.bus, 'aedes'), 'persistence') as {
      createRetainedStream(pattern: string): AsyncIterable<{ topic: string }>;
    };
    const retained: string[] = [];
    for await (const packet of persistence.createRetainedStream('hall/qinshui/face-terminal/#'))
      retained.push(packet.topic);
    expect(retained).toEqual([]);
  });
});
