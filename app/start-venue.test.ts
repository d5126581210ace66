import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../edge/store/verify.ts';
import { startVenueSimulators } from '../simulators/venue-simulators.ts';
import { api, eventually, startTestVenue, tempDir, testVenue } from '../test/venue-harness.ts';

describe('venue runtime', () => {
  it('brings a whole venue online, and a restart continues the same unbroken record', async () => {
    const dataDir = tempDir();
    const venue = testVenue('gaoping', 2);
    let edge = await startTestVenue({ venue, dataDir });
    const sims = await startVenueSimulators(venue, {
      brokerUrl: edge.bus.deviceUrl,
      credential: edge.deviceCredential,
      heartbeatS: 2,
    });
    const devices = await eventually(
      async () => (await api(edge, '/api/devices?kind=gate')).body as { online: boolean }[],
      (list) => list.every((d) => d.online),
    );
    expect(devices).toHaveLength(2);
    expect(edge.registry.list().filter((d) => d.kind !== 'camera' && !d.online)).toEqual([]);
    await sims.stop();
    await edge.stop();

    edge = await startTestVenue({ venue, dataDir });
    const restart = edge.log.query({ type: 'edge.started' });
    expect(restart).toHaveLength(2);
    expect(verifyChain(edge.db)).toMatchObject({ ok: true });
    const ready = await api(edge, '/ready');
    expect(ready).toMatchObject({ status: 200, body: { ready: true, head: { seq: edge.log.head.seq } } });
    // Devices that said goodbye before the restart are remembered as offline.
    expect(edge.registry.get('gate-entrance')!.online).toBe(false);
    await edge.stop();
  });

  it('refuses to start on a wrong venue file, naming the field and the reason', async () => {
    const file = join(tempDir(), 'broken.yaml');
    writeFileSync(file, 'id: Bad Id\nname: x\n');
    const run = promisify(execFile)('sh', ['bin/halledge'], {
      env: {
        ...process.env,
        HALLEDGE_NODE: process.execPath,
        HALLEDGE_VENUE: file,
        HALLEDGE_DATA: tempDir(),
        HALLEDGE_HTTP_PORT: '0',
        HALLEDGE_MQTT_PORT: '0',
      },
    });
    const failure = await run.then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(78);
    expect(failure?.stderr).toContain(`${file} is not a valid venue file`);
    expect(failure?.stderr).toContain('/id: must match pattern');
    expect(failure?.stderr).toContain("/: must have required property 'floors'");
    // Starting tsx in a child process is slow on a loaded two-core machine.
  }, 90_000);
});
