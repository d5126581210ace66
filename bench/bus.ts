import { Worker } from 'node:worker_threads';
import { deviceTopic } from '../devices/topics.ts';
import { startTestVenue, testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

/** Device messages through the real bus: embedded broker → validation → gateway dispatch. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [messages, positionsPerMessage] of [
    [60_000, 1],
    [4_000, 50],
  ] as const) {
    const edge = await startTestVenue({ venue: testVenue('jincheng', 10) });
    let positions = 0;
    edge.gateway.onEvent('rtls', 'positions', (_d, p) => {
      positions += (p.positions as unknown[]).length;
    });
    const worker = new Worker(new URL('./mqtt-publisher.worker.mjs', import.meta.url), {
      workerData: {
        url: edge.bus.deviceUrl,
        username: 'rtls-1',
        password: edge.deviceCredential('rtls-1'),
        topic: deviceTopic('jincheng', 'rtls', 'rtls-1', 'event', 'positions'),
        messages,
        positionsPerMessage,
        window: 500,
      },
    });
    const { seconds } = await new Promise<{ seconds: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    await edge.stop();
    if (positions !== messages * positionsPerMessage)
      throw new Error(`lost positions: ${positions} of ${messages * positionsPerMessage}`);
    rows.push({
      area: 'bus',
      metric: `MQTT ingest, QoS 1, ${positionsPerMessage} position(s)/message, validated`,
      value: Math.round(messages / seconds),
      unit: 'messages/s',
    });
    if (positionsPerMessage > 1)
      rows.push({
        area: 'bus',
        metric: '  … positions carried',
        value: Math.round(positions / seconds),
        unit: 'positions/s',
      });
  }
  return rows;
}
