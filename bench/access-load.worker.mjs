// Device-side load for bench/access.ts, on its own thread so the edge under test keeps its core.
// role "rtls": publishes badge positions at a fixed rate. role "gate": sends pass requests at a fixed rate
// and measures each request → command (open/deny) latency. Plain JavaScript: workers skip the TS loader.
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';

const { role, url, username, password, prefix, seconds } = workerData;
const client = await mqtt.connectAsync(url, { username, password, clientId: username });
client.stream.setNoDelay?.(true); // as device firmware does: no Nagle delay on small request messages
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls send(i) `perSecond` times a second for `seconds`: call i is due at (i + 1) / perSecond s. Returns how many
 * were sent and how late the last one went out after its due time (a starved thread shows here, not as a lower rate).
 */
async function paced(perSecond, send) {
  const started = performance.now();
  const total = Math.round(seconds * perSecond);
  let sent = 0;
  for (;;) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * perSecond));
    while (sent < due) send(sent++);
    if (sent === total) break;
    await sleep(2);
  }
  return { sent, lastLateMs: performance.now() - started - seconds * 1000 };
}

if (role === 'rtls') {
  const { positionsPerSecond, batch } = workerData;
  let inFlight = 0;
  let dropped = 0;
  const result = await paced(positionsPerSecond / batch, (i) => {
    if (inFlight > 200) {
      dropped++; // the broker is not keeping up: count it rather than queue without bound
      return;
    }
    const now = Date.now();
    const positions = Array.from({ length: batch }, (_, k) => ({
      badge: `badge-${(i * batch + k) % 80}`,
      x: 10 + (k % 70),
      y: 14 + (i % 20),
      floor: 'f3',
      accuracy: 0.3,
      at: now,
    }));
    inFlight++;
    client
      .publishAsync(`${prefix}event/positions`, JSON.stringify({ at: now, positions }), { qos: 1 })
      .finally(() => inFlight--);
  });
  while (inFlight > 0) await sleep(5);
  parentPort.postMessage({ ...result, positions: (result.sent - dropped) * batch, dropped });
} else {
  const { requestsPerSecond, credentials } = workerData;
  const started = new Map();
  const latencies = [];
  let grants = 0;
  client.on('message', (topic, payload) => {
    const cmd = JSON.parse(payload.toString());
    client.publish(`${prefix}ack`, JSON.stringify({ id: cmd.id, ok: true, at: Date.now() }), { qos: 1 });
    const name = topic.slice(topic.lastIndexOf('/') + 1);
    if (name !== 'open' && name !== 'deny') return;
    const t0 = started.get(cmd.requestId);
    if (t0 === undefined) return;
    started.delete(cmd.requestId);
    latencies.push(performance.now() - t0);
    if (name === 'open') grants++;
  });
  await client.subscribeAsync(`${prefix}cmd/#`, { qos: 1 });
  const result = await paced(requestsPerSecond, (i) => {
    const { credential, direction } = credentials[i % credentials.length];
    const requestId = randomUUID();
    started.set(requestId, performance.now());
    client.publish(
      `${prefix}event/pass-request`,
      JSON.stringify({ at: Date.now(), requestId, credential, direction }),
      { qos: 1 },
    );
  });
  await sleep(500);
  parentPort.postMessage({ ...result, latencies, grants, unanswered: started.size });
}
await client.endAsync();
