// The city hub under test, in a process of its own (forked by bench/city.ts) so that its CPU and memory are its
// own. Besides serving, it measures each event's lag from its `at` (the venue's append) to its commit at the hub,
// and answers the bench over IPC:
//   → { register: [{ venue, publicKeyPem }] }   ← { registered: n }
//   → { take: true }                             ← Window: what was committed since the last take
//   → { storage: true }                          ← { bytes } the database holds (WAL checkpointed first)
// argv: <sqlite file>
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startPlatformHttp } from '../../city/http-server.ts';
import { CityPlatform } from '../../city/platform.ts';
import type { SignedBatch } from '../../edge/sync/wire.ts';

export interface Window {
  events: number;
  batches: number;
  /** Milliseconds from `at` (the venue's append) to commit at the hub. */
  lag: { p50: number; p99: number; max: number };
  /** Busy share of the hub's event loop over the window (1 = its one JavaScript thread saturated). */
  loopBusy: number;
}

const [dbFile] = process.argv.slice(2);
if (!dbFile) throw new Error('usage: hub.worker.ts <sqlite file>');

const hub = new CityPlatform({ dbFile });
const http = await startPlatformHttp(hub);

let lags: number[] = [];
let batches = 0;
let loopSince = performance.eventLoopUtilization();
const receive = hub.receive.bind(hub);
hub.receive = (raw, now) => {
  const reception = receive(raw, now);
  if (reception.answer.status === 'ack' && !reception.answer.duplicate) {
    const committed = Date.now();
    batches++;
    for (const e of (raw as SignedBatch).events) lags.push(committed - e.at);
  }
  return reception;
};

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

function storedBytes(): number {
  hub.db.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(dbFile!).size;
}

process.on('message', (m: { register?: { venue: string; publicKeyPem: string }[]; take?: true; storage?: true }) => {
  if (m.register) {
    for (const { venue, publicKeyPem } of m.register) hub.registerVenue(venue, publicKeyPem);
    process.send!({ registered: m.register.length });
  } else if (m.take) process.send!(take());
  else if (m.storage) process.send!({ bytes: storedBytes() });
});
process.send!({ url: http.url });
process.once('disconnect', () => {
  void http.close().then(() => {
    hub.close();
    process.exit(0);
  });
});
