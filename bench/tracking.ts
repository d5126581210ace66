import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { deviceTopic } from '../devices/topics.ts';
import type { TrackingConfig } from '../edge/tracking/config.ts';
import { authHeaders, startTestVenue, testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

const BADGES = 2_000;
const PER_MESSAGE = 100;
const FLOOD_MESSAGES = 4_000; // 400,000 positions, 200 per badge (20 s of fix time at 10 Hz)
const PACED_RATE = 20_000;
const PACED_SECONDS = 5;
const STRANGER_EVERY_MS = 50;
const FIX_INTERVAL_MS = 100;

/**
 * Badge positions through the real bus: a publisher thread (the positioning engine) → embedded broker →
 * Ajv validation → tracking (fences on every position, rules, downsampled trajectory store). Checks that
 * every position was evaluated and every kept point stored, then measures alarm latency under 20,000/s.
 */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const t0 = Date.now() - 3_600_000;

  // 1. Default downsampling (1 point / badge / s): flood, then paced load with strangers walking in.
  {
    const bench = await startBench({ sampleMs: 1000 }, t0);
    const flood = await bench.flood();
    const perBadge = (FLOOD_MESSAGES * PER_MESSAGE) / BADGES;
    const expectedRows = BADGES * (Math.floor(((perBadge - 1) * FIX_INTERVAL_MS) / 1000) + 1);
    const stored = bench.edge.services.tracking.store.count();
    if (stored !== expectedRows) throw new Error(`trajectory store holds ${stored} points, expected ${expectedRows}`);
    rows.push(
      {
        area: 'tracking',
        metric: `positions ingested + zone-evaluated + stored (${BADGES} badges, ${PER_MESSAGE}/message, 1 pt/badge/s kept)`,
        value: Math.round(flood.rate),
        unit: 'positions/s',
        target: '≥ 20000',
      },
      { area: 'tracking', metric: '  … positions lost', value: flood.lost, unit: 'positions', target: '0' },
      { area: 'tracking', metric: '  … trajectory points stored (all expected)', value: stored, unit: 'points' },
    );
    const paced = await bench.paced();
    rows.push(
      {
        area: 'tracking',
        metric: `alarm latency, position → WebSocket feed, p50 (${PACED_RATE}/s load, stranger every ${STRANGER_EVERY_MS} ms)`,
        value: paced.p50,
        unit: 'ms',
      },
      { area: 'tracking', metric: '  … p99', value: paced.p99, unit: 'ms' },
      {
        area: 'tracking',
        metric: '  … alarms on the feed / strangers',
        value: `${paced.alarms}/${paced.strangers}`,
        unit: '',
      },
      {
        area: 'tracking',
        metric: '  … paced positions ingested / sent',
        value: `${paced.ingested}/${paced.sent}`,
        unit: '',
      },
    );
    await bench.stop();
  }

  // 2. Every position persisted (sampleMs 0): the store's worst case.
  {
    const bench = await startBench({ sampleMs: 0 }, t0);
    const flood = await bench.flood();
    const stored = bench.edge.services.tracking.store.count();
    if (stored !== FLOOD_MESSAGES * PER_MESSAGE) throw new Error(`stored ${stored} of ${FLOOD_MESSAGES * PER_MESSAGE}`);
    rows.push(
      {
        area: 'tracking',
        metric: 'positions ingested + zone-evaluated + every one stored (sampleMs 0)',
        value: Math.round(flood.rate),
        unit: 'positions/s',
        target: '≥ 20000',
      },
      { area: 'tracking', metric: '  … positions lost', value: flood.lost, unit: 'positions', target: '0' },
    );
    await bench.stop();
  }
  return rows;
}

async function startBench(config: Partial<TrackingConfig>, t0: number) {
  const edge = await startTestVenue({ venue: testVenue('jincheng', 30) });
  const tracking = edge.services.tracking;
  tracking.configure({ ...config, lostAfterMs: 600_000, timeoutMs: 600_000 }, 'bench');
  const rooms = edge.venue.zones.filter((z) => z.type === 'evaluation-room');
  // Each badge is checked in to its room's session, so nobody in the rooms raises an alarm.
  edge.log.appendMany(
    Array.from({ length: BADGES }, (_, b) => ({
      type: 'checkin.accepted' as const,
      session: `bench-${rooms[b % rooms.length]!.id}`,
      actor: `X${b}`,
      method: 'manual',
      data: {
        pseudonym: `X${b}`,
        verifiedBy: 'bench',
        seat: null,
        badge: `bench-${b}`,
        locker: null,
        room: rooms[b % rooms.length]!.id,
      },
    })),
  );
  const worker = new Worker(new URL('./tracking-publisher.worker.mjs', import.meta.url), {
    workerData: {
      url: edge.bus.deviceUrl,
      username: 'rtls-1',
      password: edge.deviceCredential('rtls-1'),
      topic: deviceTopic(edge.venue.id, 'rtls', 'rtls-1', 'event', 'positions'),
      badges: BADGES,
      rooms: rooms.map((r) => {
        const xs = r.polygon.map((p) => p[0]);
        const ys = r.polygon.map((p) => p[1]);
        return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      }),
      perMessage: PER_MESSAGE,
      window: 200,
      t0,
    },
  });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const ask = (job: Record<string, unknown>) =>
    new Promise<{ seconds: number; messages: number; strangers: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(job);
    });

  return {
    edge,
    /** As fast as the bus takes it; the rate counts until every position is evaluated and every point written. */
    async flood() {
      const before = tracking.stats.positions;
      const started = performance.now();
      await ask({ kind: 'flood', messages: FLOOD_MESSAGES });
      const total = FLOOD_MESSAGES * PER_MESSAGE;
      await until(() => tracking.stats.positions - before >= total, 30_000);
      tracking.flush();
      const seconds = (performance.now() - started) / 1000;
      return { rate: total / seconds, lost: total - (tracking.stats.positions - before) };
    },
    /** 20,000 positions/s for a few seconds with strangers walking in: latency from their fix to the feed. */
    async paced() {
      const latencies: number[] = [];
      // The witness console's view of the feed (the feed needs a signed-in user).
      const headers = await authHeaders(edge, 'witness');
      const ws = new WebSocket(`${edge.httpUrl.replace('http', 'ws')}/api/feed`, { headers });
      ws.on('message', (m) => {
        const e = JSON.parse(m.toString()).event;
        if (e.type === 'alarm.raised' && e.data.kind === 'unbound-badge')
          latencies.push(Date.now() - e.data.details.positionAt);
      });
      await new Promise((r) => ws.once('open', r));
      const before = tracking.stats.positions;
      const sent = await ask({
        kind: 'paced',
        rate: PACED_RATE,
        seconds: PACED_SECONDS,
        strangerEveryMs: STRANGER_EVERY_MS,
        offset: FLOOD_MESSAGES,
      });
      const expected = sent.messages * PER_MESSAGE + sent.strangers;
      await until(() => tracking.stats.positions - before >= expected && latencies.length >= sent.strangers, 10_000);
      ws.close();
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
      return {
        p50: pct(0.5),
        p99: pct(0.99),
        alarms: latencies.length,
        strangers: sent.strangers,
        ingested: tracking.stats.positions - before,
        sent: expected,
      };
    },
    async stop() {
      await worker.terminate();
      await edge.stop();
    },
  };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the edge to catch up');
    await new Promise((r) => setTimeout(r, 5));
  }
}
