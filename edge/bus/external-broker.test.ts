import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { loadOrCreateSecret } from '../../devices/provisioning.ts';
import { freePort, startMosquitto, stopMosquitto } from '../../test/mosquitto.ts';
import {
  collectPositionNumbers,
  eventually,
  sendNumberedPositions,
  simulatorFor,
  startTestVenue,
  tempDir,
  testVenue,
} from '../../test/venue-harness.ts';
import { writeMosquittoConfig } from './mosquitto-config.ts';

let mosquitto: ChildProcess | null = null;
let edge: VenueRuntime | null = null;

afterEach(async () => {
  await edge?.stop();
  edge = null;
  mosquitto?.kill('SIGKILL');
});

describe('external mosquitto broker', () => {
  it('enforces device credentials and ACL, and loses no device event across a broker restart', async () => {
    const dataDir = tempDir();
    const venue = testVenue('qinshui', 2);
    const port = freePort();
    const conf = writeMosquittoConfig(
      venue,
      loadOrCreateSecret(join(dataDir, 'device-secret')),
      join(dataDir, 'mosquitto'),
      {
        port,
        // The test's temp files belong to whoever runs it; keep mosquitto as that user.
        user: process.getuid?.() === 0 ? 'root' : undefined,
      },
    );
    mosquitto = await startMosquitto(conf, port);
    edge = await startTestVenue({ venue, dataDir, bus: { kind: 'external', url: `mqtt://127.0.0.1:${port}` } });

    // A device with a wrong password is refused by mosquitto itself.
    const impostor = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      username: 'gate-entrance',
      password: 'guess',
      reconnectPeriod: 0,
    });
    const refusal = await new Promise<Error>((resolve) => impostor.once('error', resolve));
    expect(refusal.message).toMatch(/not authorized|bad user/i);
    impostor.end(true);

    // gate-entrance's credential under gate-exit's client id does not take gate-exit's session over.
    const device = (username: string, clientId: string) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId,
        username,
        password: edge!.deviceCredential(username),
        reconnectPeriod: 0,
      });
    const gateExit = await device('gate-exit', 'gate-exit');
    const taker = await device('gate-entrance', 'gate-exit');
    await gateExit.publishAsync(
      'hall/qinshui/gate/gate-exit/heartbeat',
      JSON.stringify({ at: Date.now(), firmware: 'f' }),
      {
        qos: 1,
      },
    );
    expect(gateExit.connected).toBe(true);
    await Promise.all([gateExit.endAsync(), taker.endAsync()]);

    const seen = collectPositionNumbers(edge);
    const rtls = simulatorFor(edge, 'rtls-1', 2);
    await rtls.connect();
    await eventually(() => edge!.registry.get('rtls-1')!.online, Boolean);

    // mosquitto silently drops a publish outside the device's ACL: the edge never sees it.
    await rtls.publishRaw('hall/qinshui/gate/gate-entrance/event/pass-request', JSON.stringify({ at: 1 }));

    const total = 1000;
    const sending = sendNumberedPositions(rtls, total);
    await eventually(
      () => seen.size,
      (n) => n > 40,
    );
    await stopMosquitto(mosquitto);
    // Traffic was in flight: the device had more to send than the edge had taken when the broker went.
    expect(seen.size).toBeLessThan(total);
    mosquitto = await startMosquitto(conf, port);
    await sending;
    await eventually(
      () => seen.size,
      (n) => n === total,
      10_000,
    );
    expect(seen.size).toBe(total);
    expect(edge.gateway.stats.malformed).toBe(0);
    await rtls.stop();
  }, 40_000);
});
