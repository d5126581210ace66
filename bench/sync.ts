// Upstream sync: catch-up after a 1,000,000-event outage, and what forwarding costs the edge in steady state.
// The city hub runs in its own process (npm run city: SQLite, as on one machine), over HTTP on loopback.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EventInput } from '../edge/store/event-log.ts';
import { venueKeyFiles } from '../edge/sync/keys.ts';
import { outboxOver } from '../test/sync-fixture.ts';
import { tempDir } from '../test/venue-harness.ts';
import { doorDecision } from './event-log.ts';
import type { BenchRow } from './types.ts';

const OUTAGE_EVENTS = Number(process.env.SYNC_BENCH_EVENTS ?? 1_000_000);
const STEADY_RATE = 1000; // events/s, a busy venue's whole record
const STEADY_SECONDS = 5;

/** A venue day's mix: zone moves, door decisions, check-ins, device and alarm events, and withheld events. */
export function sample(i: number): EventInput {
  const person = `EX-${i % 97}`;
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
      return {
        type: i % 2 ? 'tracking.zone-left' : 'tracking.zone-entered',
        session: 'S-2026-0001',
        actor: person,
        method: 'rtls-badge',
        subject: `badge-${i % 97}`,
        data: {
          zone: 'room-2',
          zoneType: 'evaluation-room',
          badge: `badge-${i % 97}`,
          person,
          enteredAt: 1_767_000_000_000 + i,
        },
      };
    case 3:
    case 4:
      return doorDecision(i, person);
    case 5:
      return {
        type: 'checkin.accepted',
        session: 'S-2026-0001',
        actor: person,
        method: 'id-card+face',
        subject: person,
        data: {
          pseudonym: person,
          verifiedBy: 'face-1',
          seat: 's3',
          badge: `badge-${i % 97}`,
          locker: { bank: 'locker-a', compartment: i % 40 },
        },
      };
    case 6:
      return {
        type: 'device.online',
        subject: `gate-${i % 12}`,
        actor: `gate-${i % 12}`,
        method: 'device-credential',
        data: { kind: 'gate', reason: 'heartbeat' },
      };
    case 7:
      return {
        type: 'alarm.raised',
        session: 'S-2026-0001',
        subject: person,
        actor: 'system',
        data: { alarmId: `a-${i}`, kind: 'left-zone', level: 2, details: { zone: 'eval-zone', x: 3.2, y: 8.1 } },
      };
    default:
      // A type with no upstream rule: it goes up withheld, as raw positions would (they are not events).
      return {
        type: 'tracking.trajectory-viewed',
        subject: `badge-${i % 97}`,
        data: { badge: `badge-${i % 97}`, person: null, from: i, to: i + 60_000, points: i % 50 },
      };
  }
}

/** The city hub as a child process; resolves with its URL once it listens. */
async function startHubProcess(dir: string, venue: string, publicKeyFile: string) {
  const cli = fileURLToPath(new URL('../city/cli.ts', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', cli, '--db', `${dir}/hub.db`, '--key', `${dir}/hub.key`, '--port', '0'],
      ...['--register', `${venue}=${publicKeyFile}`],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`city hub exited (${code})`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    /** CPU seconds the hub process has used (Linux /proc: utime + stime in clock ticks of 1/100 s). */
    cpuSeconds: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    head: async () => (await (await fetch(`${url}/v1/venues/${venue}/head`)).json()) as { seq: number },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Appends STEADY_RATE events/s for STEADY_SECONDS; CPU used, and append → acknowledgement latencies if syncing. */
async function steadyLoad(edge: Awaited<ReturnType<typeof outboxOver>>, firstSample: number, syncing: boolean) {
  const latencies: number[] = [];
  const appendedAt = new Map<number, number>();
  let acked = edge.outbox.ackedSeq;
  const probe = setInterval(() => {
    const now = performance.now();
    for (let s = acked + 1; s <= edge.outbox.ackedSeq; s++) {
      const at = appendedAt.get(s);
      if (at !== undefined) latencies.push(now - at);
      appendedAt.delete(s);
    }
    acked = edge.outbox.ackedSeq;
  }, 5);
  const cpu = process.cpuUsage();
  const t = performance.now();
  const tick = 50;
  const perTick = (STEADY_RATE * tick) / 1000;
  for (let n = 0; n < (STEADY_SECONDS * 1000) / tick; n++) {
    const events = edge.log.appendMany(
      Array.from({ length: perTick }, (_, k) => sample(firstSample + n * perTick + k)),
    );
    const now = performance.now();
    for (const e of events) appendedAt.set(e.seq, now);
    await new Promise((r) => setTimeout(r, tick));
  }
  // With sync, the run ends at the last acknowledgement.
  while (syncing && latencies.length < STEADY_RATE * STEADY_SECONDS) await new Promise((r) => setTimeout(r, 5));
  clearInterval(probe);
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN;
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - t, p50: pct(0.5), p99: pct(0.99) };
}

export async function run(): Promise<BenchRow[]> {
  const dir = tempDir('halledge-bench-sync-');
  const venue = 'jincheng';
  // The venue is created (and its key) first, so the hub can be started with the key registered.
  const v = await outboxOver(venue, 'http://127.0.0.1:1', { dataDir: dir });
  await v.close();
  const hub = await startHubProcess(dir, venue, venueKeyFiles(dir).publicKey);
  const rows: BenchRow[] = [];
  try {
    const edge = await outboxOver(venue, hub.url, {
      dataDir: dir,
      // Production settings (sync.json defaults) apart from the test-speed timings of the fixture.
      config: { lingerMs: 200, batchSize: 5000, requestTimeoutMs: 30_000, retry: { baseMs: 200, maxMs: 5000 } },
    });
    // The outage: the record grows while nothing is forwarded.
    for (let i = 0; i < OUTAGE_EVENTS; i += 10_000) {
      edge.log.appendMany(Array.from({ length: Math.min(10_000, OUTAGE_EVENTS - i) }, (_, k) => sample(i + k)));
    }
    const cpu0 = process.cpuUsage();
    const hubCpu0 = hub.cpuSeconds();
    const t = performance.now();
    edge.outbox.start();
    // The lag alarm raised (and cleared) on the way adds its own events: catch up to the head.
    while (edge.outbox.ackedSeq < edge.log.head.seq) await new Promise((r) => setTimeout(r, 20));
    const catchUpS = (performance.now() - t) / 1000;
    const catchUpCpu = process.cpuUsage(cpu0);
    const catchUpHubCpu = hub.cpuSeconds() - hubCpu0;
    if ((await hub.head()).seq !== edge.log.head.seq) throw new Error('the hub does not hold every event');
    rows.push(
      {
        area: 'sync',
        metric: `catch-up after an outage of ${OUTAGE_EVENTS.toLocaleString('en-US')} events (HTTP, signed batches of 5,000)`,
        value: catchUpS,
        unit: 's',
        target: '≤ 60',
      },
      { area: 'sync', metric: '  … rate', value: Math.round(OUTAGE_EVENTS / catchUpS), unit: 'events/s' },
      {
        area: 'sync',
        metric: '  … edge CPU during catch-up',
        value: (catchUpCpu.user + catchUpCpu.system) / 1000 / 1000,
        unit: 'CPU s',
      },
      { area: 'sync', metric: '  … city hub CPU during catch-up', value: catchUpHubCpu, unit: 'CPU s' },
    );

    // Steady state: events arrive at STEADY_RATE. The same loop runs with and without sync; the CPU difference
    // is what forwarding costs, and append → acknowledgement is the latency the city sees.
    const batchesBefore = edge.outbox.status().counters.batches;
    const withSync = await steadyLoad(edge, OUTAGE_EVENTS, true);
    const batches = edge.outbox.status().counters.batches - batchesBefore;
    await edge.outbox.stop();
    const without = await steadyLoad(edge, 2 * OUTAGE_EVENTS, false);
    await edge.close();
    const syncCpuMs = withSync.cpuMs - without.cpuMs;
    const events = STEADY_RATE * STEADY_SECONDS;
    rows.push(
      {
        area: 'sync',
        metric: `steady state at ${STEADY_RATE} events/s: edge CPU for forwarding (beyond recording)`,
        value: (syncCpuMs / withSync.wallMs) * 100,
        unit: '% of a core',
      },
      { area: 'sync', metric: '  … per 1,000 events forwarded', value: syncCpuMs / (events / 1000), unit: 'CPU ms' },
      { area: 'sync', metric: '  … append → hub acknowledgement p50', value: withSync.p50, unit: 'ms' },
      { area: 'sync', metric: '  … append → hub acknowledgement p99', value: withSync.p99, unit: 'ms' },
      { area: 'sync', metric: '  … batches (lingerMs 200)', value: batches, unit: 'batches' },
    );
  } finally {
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
