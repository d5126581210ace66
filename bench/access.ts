import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { VenueRuntime } from '../app/start-venue.ts';
import { devicePrefix } from '../devices/topics.ts';
import { segmentChecker } from '../edge/video/segment-checker.ts';
import { startTestVenue, testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';
import { CAMERAS, startCameras } from './video.ts';

const SECONDS = 15;
const POSITIONS_PER_SECOND = 20_000;
const REQUESTS_PER_SECOND = 100;

interface GateResult {
  latencies: number[];
  grants: number;
  unanswered: number;
  sent: number;
}

function worker<T>(edge: VenueRuntime, deviceId: string, data: Record<string, unknown>): Promise<T> {
  const device = edge.registry.get(deviceId)!;
  const w = new Worker(new URL('./access-load.worker.mjs', import.meta.url), {
    workerData: {
      url: edge.bus.deviceUrl,
      username: deviceId,
      password: edge.deviceCredential(deviceId),
      prefix: devicePrefix(edge.venue.id, device.kind, deviceId),
      seconds: SECONDS,
      ...data,
    },
  });
  return new Promise<T>((resolve, reject) => {
    w.once('message', (m) => {
      void w.terminate();
      resolve(m as T);
    });
    w.once('error', reject);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/** A venue with checked-in experts and a rostered staff member, so requests take every branch of the rules. */
async function prepare(edge: VenueRuntime) {
  const { sessions, access } = edge.services;
  const now = Date.now();
  const experts = Array.from({ length: 7 }, (_, i) => ({ pseudonym: `BENCH-E${i}`, seat: `s${i + 1}` }));
  sessions.importSchedule(
    [
      {
        transactionCode: 'BENCH-1',
        project: { code: 'B1', name: 'bench' },
        room: 'room-1',
        start: now - 60_000,
        end: now + 3600_000,
        experts,
      },
    ],
    { source: 'bench' },
  );
  if (sessions.get('BENCH-1')!.state === 'scheduled') sessions.transition('BENCH-1', 'checkin-open', { by: 'bench' });
  for (const [i, e] of experts.entries()) {
    sessions.recordCheckin({ session: 'BENCH-1', pseudonym: e.pseudonym, method: 'manual', badge: `badge-${i}` });
    edge.log.append({
      type: 'locker.deposit',
      actor: e.pseudonym,
      subject: 'locker-bank-1',
      data: { bank: 'locker-bank-1', compartment: i + 1, holder: e.pseudonym },
    });
  }
  access.enrollStaff(
    { person: 'BENCH-STAFF', role: 'staff', days: [1, 2, 3, 4, 5, 6, 7], fromMin: 0, toMin: 1440, allRooms: true },
    'bench',
  );
  // Staff walking in and out (grants), experts already inside (anti-passback denials), a visitor (denial).
  return [
    { credential: { type: 'staff-card', value: 'BENCH-STAFF' }, direction: 'in' },
    { credential: { type: 'face', value: 'BENCH-E0' }, direction: 'in' },
    { credential: { type: 'staff-card', value: 'BENCH-STAFF' }, direction: 'out' },
    { credential: { type: 'face', value: 'VISITOR' }, direction: 'in' },
  ];
}

/** How long recording gets to reach every camera's first segment before the gate is measured. */
const RECORDING_START_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Has the edge record 16 simulated 1080p cameras (10 s segments; the cameras in a child process, as in the video
 * bench) while a 16-tile grid plays their substreams (fMP4 passthrough, what the console's grid asks for), and
 * resolves once every camera has a checked segment, so the gate is measured while segments are checked, hashed and
 * indexed and the live fan-out runs. Fails if a camera has no segment in time, or the grid got no video.
 */
async function recordCameras(edge: VenueRuntime): Promise<() => Promise<void>> {
  const ids = Array.from({ length: CAMERAS }, (_, i) => `bench-cam-${i + 1}`);
  const cameras = await startCameras(ids, true);
  const { video } = edge.services;
  for (const id of ids) video.record(id, cameras.streams[id]!, { substreamUrl: cameras.substreams[id] });
  let tileBytes = 0;
  const tiles = ids.map((id) =>
    video.live.watch(
      id,
      'mse',
      {
        start: () => {},
        send: (chunk) => {
          tileBytes += chunk.length;
        },
        ready: () => true,
        close: () => {},
      },
      'sub',
    ),
  );
  const recording = () => ids.every((id) => video.timeline(id, 0, Date.now()).segments.length > 0);
  for (const deadline = Date.now() + RECORDING_START_MS; !recording(); await sleep(500)) {
    if (Date.now() > deadline) {
      await cameras.stop();
      throw new Error(`not every camera recorded a segment within ${RECORDING_START_MS / 1000} s`);
    }
  }
  if (tileBytes === 0) throw new Error('the 16 tiles got no video');
  return async () => {
    for (const detach of tiles) detach();
    await video.stop();
    await cameras.stop();
  };
}

async function measure(
  withLoad: boolean,
  withRecording: boolean,
): Promise<{
  gate: GateResult;
  positions: number;
  lost: number;
  loopDelayP99: number;
  loopBusy: number;
  checks: number;
  load: number[];
  /** How late the position pacer sent its last batch, ms. */
  pacerLateMs: number;
}> {
  const edge = await startTestVenue({ venue: testVenue('jincheng', 10) });
  let stopRecording = async () => {};
  try {
    if (withRecording) stopRecording = await recordCameras(edge);
    const credentials = await prepare(edge);
    const checksBefore = segmentChecker.spent.checks;
    let positions = 0;
    edge.gateway.onEvent('rtls', 'positions', (_d, p) => {
      positions += (p.positions as unknown[]).length;
    });
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const busyBefore = performance.eventLoopUtilization();
    const gate = worker<GateResult>(edge, 'gate-entrance', {
      role: 'gate',
      requestsPerSecond: REQUESTS_PER_SECOND,
      credentials,
    });
    const rtls = withLoad
      ? worker<{ lastLateMs: number; positions: number; dropped: number }>(edge, 'rtls-1', {
          role: 'rtls',
          positionsPerSecond: POSITIONS_PER_SECOND,
          batch: 200,
        })
      : Promise.resolve(null);
    const [g, load] = await Promise.all([gate, rtls]);
    loop.disable();
    const loopBusy = performance.eventLoopUtilization(busyBefore).utilization;
    // The host's load over the window: on a shared machine the gate's p99 says as much about it as about the edge.
    const hostLoad = loadavg();
    // Positions published but not delivered, or not even published because the broker fell behind.
    const lost = load ? load.positions - positions + load.dropped * 200 : 0;
    return {
      gate: g,
      // Delivered over the pacer's window; how late its last batch went out is shown beside the rate.
      positions: positions / SECONDS,
      pacerLateMs: load?.lastLateMs ?? 0,
      lost,
      loopDelayP99: loop.percentile(99) / 1e6,
      loopBusy,
      checks: segmentChecker.spent.checks - checksBefore,
      load: hostLoad,
    };
  } finally {
    await stopRecording();
    await edge.stop();
  }
}

/**
 * Gate decision latency (request → open/deny command, measured at the gate) with and without badge load, and with
 * and without badge load while the edge records 16 cameras and plays them in 16 tiles (each camera stream pulled
 * once into the relay's thread, stream-pulls.ts and relay-thread.ts; segment checks in a worker thread,
 * segment-checker.ts). Each scenario prints the host's load average at its end.
 */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [withLoad, withRecording] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const {
      gate,
      positions,
      lost,
      loopDelayP99,
      loopBusy,
      checks,
      load: host,
      pacerLateMs,
    } = await measure(withLoad, withRecording);
    const sorted = [...gate.latencies].sort((a, b) => a - b);
    const load = withLoad ? `under ${Math.round(positions).toLocaleString('en-US')} positions/s` : 'idle bus';
    const label = withRecording
      ? `${load}, ${CAMERAS} cameras recording (${checks} segments checked), ${CAMERAS} tiles playing`
      : load;
    rows.push(
      { area: 'access', metric: `gate decision p50, ${label}`, value: percentile(sorted, 0.5), unit: 'ms' },
      {
        area: 'access',
        metric: `gate decision p99, ${label}`,
        value: percentile(sorted, 0.99),
        unit: 'ms',
        target: withLoad ? 'p99 ≤ 20 ms' : undefined,
      },
      {
        area: 'access',
        metric: `  … requests answered (grants), ${label}`,
        value: `${sorted.length}/${gate.sent} (${gate.grants})`,
        unit: 'requests',
      },
      { area: 'access', metric: `  … edge event-loop delay p99, ${label}`, value: loopDelayP99, unit: 'ms' },
      // The share of the window the gate's event loop was running something: what video still costs it.
      {
        area: 'access',
        metric: `  … edge event-loop utilisation, ${label}`,
        value: Math.round(loopBusy * 1000) / 10,
        unit: '% of the window',
      },
      {
        area: 'access',
        metric: `  … host load average (1 / 5 / 15 min) at the end, ${label}`,
        value: host.map((l) => l.toFixed(1)).join(' / '),
        unit: `on ${availableParallelism()} cores`,
      },
    );
    if (withLoad)
      rows.push({
        area: 'access',
        metric: `  … badge positions delivered and validated (${lost} lost; last batch sent ${Math.round(pacerLateMs)} ms after its time)`,
        value: Math.round(positions),
        unit: 'positions/s',
        target: '≥ 20,000',
      });
  }
  return rows;
}
