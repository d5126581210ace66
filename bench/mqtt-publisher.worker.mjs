// A device-side publisher on its own thread, so the edge under test keeps its core.
// Plain JavaScript: worker threads do not go through the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';

const { url, username, password, topic, messages, positionsPerMessage, window, body: kind } = workerData;

const client = await mqtt.connectAsync(url, { username, password, clientId: username });
const bodies = {
  // rtls event/positions: badge fixes, most of which record no event (zone transitions do).
  positions: (i) =>
    JSON.stringify({
      at: Date.now(),
      positions: Array.from({ length: positionsPerMessage }, (_, k) => ({
        badge: `badge-${(i * positionsPerMessage + k) % 80}`,
        x: 10 + (k % 30),
        y: 14 + (i % 20),
        floor: 'f3',
        accuracy: 0.3,
        at: Date.now(),
      })),
    }),
  // locker event/deposit: every message is one event in the record.
  deposit: (i) => JSON.stringify({ at: Date.now(), compartment: 1 + (i % 500), holder: `bench-${i}` }),
};
const body = bodies[kind ?? 'positions'];
const started = performance.now();
// QoS 1 with a bounded window of unacknowledged messages, as a real engine would publish.
for (let i = 0; i < messages; i += window) {
  const n = Math.min(window, messages - i);
  await Promise.all(Array.from({ length: n }, (_, k) => client.publishAsync(topic, body(i + k), { qos: 1 })));
}
parentPort.postMessage({ seconds: (performance.now() - started) / 1000 });
await client.endAsync();
