// Venues for the city bench, several to a process (forked by bench/city.ts): each a real event log on its own
// SQLite file, recording a busy venue's day (venue-day.ts) as it happens, and a real sync outbox with the
// production settings signing batches and posting them to the hub over HTTP (or publishing them to the hub's
// broker over MQTT). IPC (after ← { ready: true }):
//   → { start: [{ venue, dataDir }], url, transport }   ← { started: n }   (keys are already in the data dirs)
//   → { report: true }                                  ← HostReport
import { performance } from 'node:perf_hooks';
import { outboxOver } from '../../test/sync-fixture.ts';
import { due, segmentEvent, sessionEvent } from './venue-day.ts';

export interface HostReport {
  /** Events recorded and events the hub has acknowledged, over this process's venues. */
  recorded: number;
  acknowledged: number;
  /** The latest a recording tick ran behind its schedule since the last report (the generator keeping up). */
  tickLateMs: number;
}

/** Production sync settings (sync.json defaults, docs/sync.md). */
const PRODUCTION = { lingerMs: 200, batchSize: 5000, requestTimeoutMs: 30_000, retry: { baseMs: 1000, maxMs: 60_000 } };
const TICK_MS = 100;

type Venue = Awaited<ReturnType<typeof outboxOver>>;
const venues: Venue[] = [];
let stopped = false;
let tickLateMs = 0;

/** Records what a busy venue has produced since it started, every TICK_MS (phase-shifted between venues). */
function record(venue: Venue): void {
  const started = performance.now();
  let session = 0;
  let segments = 0;
  let next = started + Math.random() * TICK_MS;
  const tick = () => {
    if (stopped) return;
    const now = performance.now();
    tickLateMs = Math.max(tickLateMs, now - next);
    const d = due(now - started);
    const events = [];
    for (; session < d.session; session++) events.push(sessionEvent(session));
    for (; segments < d.segments; segments++) events.push(segmentEvent(segments));
    if (events.length) venue.log.appendMany(events);
    next += TICK_MS;
    setTimeout(tick, Math.max(0, next - performance.now()));
  };
  setTimeout(tick, next - started);
}

interface Start {
  start: { venue: string; dataDir: string }[];
  /** The hub's URL, or its broker's for MQTT. */
  url: string;
  transport: 'http' | 'mqtt';
}

process.on('message', (m: Start | { report: true }) => {
  if ('start' in m) {
    const { start, url, transport } = m;
    void (async () => {
      for (const { venue, dataDir } of start) {
        const v = await outboxOver(venue, url, { dataDir, config: { ...PRODUCTION, transport } });
        v.outbox.start();
        venues.push(v);
        record(v);
      }
      process.send!({ started: start.length });
    })();
  } else {
    const report: HostReport = {
      recorded: venues.reduce((n, v) => n + v.log.head.seq, 0),
      acknowledged: venues.reduce((n, v) => n + v.outbox.ackedSeq, 0),
      tickLateMs,
    };
    tickLateMs = 0;
    process.send!(report);
  }
});
process.send!({ ready: true });
process.once('disconnect', () => {
  stopped = true;
  void Promise.all(venues.map((v) => v.close())).then(() => process.exit(0));
});
