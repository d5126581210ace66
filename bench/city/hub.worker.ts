// The city hub under test, in a process of its own (forked by bench/city.ts) so that its CPU and memory are its
// own: started as `npm run city` starts it (startHub), over the store given as JSON in argv (and on the broker
// given after it, for venues that sync over MQTT). Besides serving, it
// measures each event's lag from its `at` (the venue's append) to its commit at the hub (`accepted`), and
// answers the bench over IPC (after ← { url }):
//   → { register: [{ venue, publicKeyPem }] }   ← { registered: n }
//   → { take: true }                             ← Window: what was committed since the last take
import { performance } from 'node:perf_hooks';
import type { StoreConfig } from '../../city/hub.ts';
import { startHub } from '../../city/hub-app.ts';

export interface Window {
  events: number;
  batches: number;
  /** Milliseconds from `at` (the venue's append) to commit at the hub. */
  lag: { p50: number; p99: number; max: number };
  /** Busy share of the hub's event loop over the window: wall time in callbacks, waiting for a core included. */
  loopBusy: number;
}

const store = JSON.parse(process.argv[2] ?? 'null') as StoreConfig | null;
if (!store) throw new Error('usage: hub.worker.ts <store config as JSON> [mqtt broker URL]');
const mqtt = process.argv[3];
const running = await startHub({ store, ...(mqtt ? { mqtt } : {}) });

let lags: number[] = [];
let batches = 0;
let loopSince = performance.eventLoopUtilization();
running.hub.on('accepted', (_venue, events) => {
  const committed = Date.now();
  batches++;
  for (const e of events) lags.push(committed - e.at);
});

function take(): Window {
  const sorted = lags.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
  const window: Window = {
    events: sorted.length,
    batches,
    lag: { p50: at(0.5), p99: at(0.99), max: at(1) },
    loopBusy: performance.eventLoopUtilization(loopSince).utilization,
  };
  lags = [];
  batches = 0;
  loopSince = performance.eventLoopUtilization();
  return window;
}

process.on('message', (m: { register?: { venue: string; publicKeyPem: string }[]; take?: true }) => {
  if (m.register) {
    const venues = m.register;
    void Promise.all(venues.map(({ venue, publicKeyPem }) => running.hub.registerVenue(venue, publicKeyPem))).then(() =>
      process.send!({ registered: venues.length }),
    );
  } else if (m.take) process.send!(take());
});
process.send!({ url: running.url });
process.once('disconnect', () => void running.stop().then(() => process.exit(0)));
