// The guest room's live view relayed through the city hub (edge/remote-media), against its anchor: the same
// substream watched at the guest edge itself. One process holds the hub and both edges (the camera simulator and
// ffmpeg are other processes), so the relay's CPU is the process's CPU with the relay open less without it, and
// each fragment's added delay is when it reached the host's viewer less when it reached the local viewer.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { FragmentFramer } from '../edge/remote-media/fragment-framer.ts';
import { CameraFarm } from '../simulators/camera/camera-farm.ts';
import { MEDIA_GUEST as GUEST, guestRoomScene, OPERATOR_TOKEN } from '../test/remote-fixture.ts';
import { startTestHub } from '../test/sync-fixture.ts';
import { authHeaders, signIn } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

const CAMERA = 'cam-room-1';
const SESSION = 'bench-remote-1';
const WINDOW_MS = 20_000;

const hashOf = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A viewer that notes when each whole fragment arrived (by content), reframing pipe pieces when asked to. */
function viewer(url: string, headers: Record<string, string>, reframe: boolean) {
  const arrivals = new Map<string, number>();
  const framer = new FragmentFramer();
  let bytes = 0;
  const ws = new WebSocket(url, { headers });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const at = performance.now();
    const chunk = data as Buffer;
    bytes += chunk.length;
    const units = reframe ? framer.push(chunk) : [{ kind: 'fragment' as const, bytes: chunk }];
    for (const unit of units) if (unit.kind === 'fragment') arrivals.set(hashOf(unit.bytes), at);
  });
  return { arrivals, bytes: () => bytes, close: () => ws.close() };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

export async function run(): Promise<BenchRow[]> {
  const farm = new CameraFarm({
    cameras: [{ id: CAMERA, width: 640, height: 360, substream: true }],
    discovery: false,
  });
  await farm.start();
  await farm.streamsReady();
  const hub = await startTestHub({ operatorToken: OPERATOR_TOKEN });
  const { host, guest } = await guestRoomScene(
    hub,
    { main: farm.streamUrl(CAMERA), sub: farm.substreamUrl(CAMERA) },
    { id: SESSION, witness: 'bench-witness' },
  );
  try {
    // Anchor first: the local viewer alone, its CPU over the window.
    const local = viewer(
      `${guest.httpUrl.replace('http', 'ws')}/api/video/live/${CAMERA}?stream=sub`,
      await authHeaders(guest, 'witness'),
      true,
    );
    await sleep(3000); // ffmpeg up, first fragments in
    const cpu0 = process.cpuUsage();
    await sleep(WINDOW_MS);
    const localCpu = process.cpuUsage(cpu0);

    const token = await signIn(host, 'witness', 'bench-witness');
    const relayed = viewer(
      `${host.httpUrl.replace('http', 'ws')}/api/remote/sessions/${SESSION}/guests/${GUEST}/live`,
      { authorization: `Bearer ${token}` },
      false,
    );
    await sleep(3000);
    const bytes0 = relayed.bytes();
    const cpu1 = process.cpuUsage();
    await sleep(WINDOW_MS);
    const bothCpu = process.cpuUsage(cpu1);
    const relayedBytes = relayed.bytes() - bytes0;
    relayed.close();
    local.close();

    const delays = [...relayed.arrivals]
      .flatMap(([hash, at]) => {
        const here = local.arrivals.get(hash);
        return here === undefined ? [] : [at - here];
      })
      .sort((a, b) => a - b);
    if (delays.length < 5) throw new Error(`only ${delays.length} fragments matched`);
    const pct = (usage: NodeJS.CpuUsage) => ((usage.user + usage.system) / 1000 / WINDOW_MS) * 100;
    return [
      { area: 'remote-media', metric: 'fragments matched (relayed ↔ local)', value: delays.length, unit: 'fragments' },
      { area: 'remote-media', metric: 'added delay through the hub, p50', value: percentile(delays, 0.5), unit: 'ms' },
      { area: 'remote-media', metric: 'added delay through the hub, p99', value: percentile(delays, 0.99), unit: 'ms' },
      {
        area: 'remote-media',
        metric: 'relayed substream (320×180)',
        value: (relayedBytes * 8) / WINDOW_MS,
        unit: 'kbit/s',
      },
      { area: 'remote-media', metric: 'process CPU, local viewer only (anchor)', value: pct(localCpu), unit: '% core' },
      {
        area: 'remote-media',
        metric: 'process CPU, + one relayed viewer (hub + both edges)',
        value: pct(bothCpu),
        unit: '% core',
      },
    ];
  } finally {
    await host.stop();
    await guest.stop();
    await hub.stop();
    await farm.stop();
  }
}
