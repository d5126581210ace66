// The positioning engine for bench/tracking.ts, on its own thread so the edge under test keeps its core.
// Plain JavaScript: worker threads do not go through the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';

const { url, username, password, topic, badges, rooms, perMessage, window, t0 } = workerData;
const client = await mqtt.connectAsync(url, { username, password, clientId: username });

// Badge b reports every 100 ms of fix time, wandering inside its room: report r has at = t0 + r * 100.
const reports = new Array(badges).fill(0);
const batch = (i) => {
  const positions = [];
  for (let k = 0; k < perMessage; k++) {
    const b = (i * perMessage + k) % badges;
    const r = reports[b]++;
    const [x0, y0, x1, y1] = rooms[b % rooms.length];
    positions.push({
      badge: `bench-${b}`,
      x: x0 + 1 + ((b * 7 + r * 0.3) % (x1 - x0 - 2)),
      y: y0 + 1 + ((b * 3 + r * 0.2) % (y1 - y0 - 2)),
      floor: 'f3',
      accuracy: 0.3,
      battery: 80,
      at: t0 + r * 100,
    });
  }
  return JSON.stringify({ at: Date.now(), positions });
};

const stranger = (n) =>
  JSON.stringify({
    at: Date.now(),
    positions: [{ badge: `stranger-${n}`, x: 50, y: 24, floor: 'f3', accuracy: 0.3, at: Date.now() }],
  });

parentPort.on('message', async (job) => {
  const started = performance.now();
  if (job.kind === 'flood') {
    // As fast as QoS 1 allows, with a bounded window of unacknowledged messages.
    for (let i = 0; i < job.messages; i += window) {
      const n = Math.min(window, job.messages - i);
      await Promise.all(Array.from({ length: n }, (_, k) => client.publishAsync(topic, batch(i + k), { qos: 1 })));
    }
  } else {
    // Paced: `rate` positions per second in 10 ms slices, a stranger walking in every `strangerEveryMs`.
    const perSlice = job.rate / 100 / perMessage;
    let sent = 0;
    let strangers = 0;
    const inflight = [];
    for (let slice = 0; slice < job.seconds * 100; slice++) {
      const due = started + slice * 10;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (; sent < (slice + 1) * perSlice; sent++)
        inflight.push(client.publishAsync(topic, batch(job.offset + sent), { qos: 1 }));
      if ((slice * 10) % job.strangerEveryMs === 0)
        inflight.push(client.publishAsync(topic, stranger(strangers++), { qos: 1 }));
      if (inflight.length > window) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
    parentPort.postMessage({ seconds: (performance.now() - started) / 1000, messages: sent, strangers });
    return;
  }
  parentPort.postMessage({ seconds: (performance.now() - started) / 1000, messages: job.messages, strangers: 0 });
});
parentPort.postMessage({ ready: true });
