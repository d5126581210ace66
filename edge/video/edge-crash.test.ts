import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { type EdgeProcess, edgeDatabase, processesWritingInto, startRecordingEdge } from '../../test/edge-process.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { waitUntil } from '../../test/wait-until.ts';
import type { TimeRange } from './coverage.ts';

const CAMERA = 'cam-room-1';
const farm = new CameraFarm({ cameras: [{ id: CAMERA, width: 320, height: 180, fps: 5 }], discovery: false });
const dataDir = tempDir('halledge-edge-crash-');
const cameraDir = join(dataDir, 'video', CAMERA);
const edges: EdgeProcess[] = [];

beforeAll(async () => {
  await farm.start();
  await farm.streamsReady();
}, 30_000);

afterAll(async () => {
  for (const e of edges) if (e.proc.exitCode === null && e.proc.signalCode === null) e.proc.kill('SIGKILL');
  await farm.stop();
});

const startEdge = async () => {
  const edge = await startRecordingEdge(farm, CAMERA, dataDir);
  edges.push(edge);
  return edge;
};
const query = edgeDatabase(dataDir);
const recorders = () => processesWritingInto(cameraDir);

interface Run {
  prefix: string;
  pid: number;
  settled_ms: number | null;
}
const runs = () => query<Run>('SELECT prefix, pid, settled_ms FROM video_runs ORDER BY started_ms');
const segments = () =>
  query<{ path: string; start_ms: number; end_ms: number }>(
    'SELECT path, start_ms, end_ms FROM video_segments WHERE camera = ? ORDER BY start_ms',
    CAMERA,
  );
const events = (type: string) =>
  query<{ data: string }>('SELECT data FROM events WHERE type = ? ORDER BY seq', type).map(
    (e) => JSON.parse(e.data) as Record<string, unknown>,
  );

describe('the edge killed with kill -9 while recording', () => {
  it('takes its ffmpeg with it; the next start indexes or quarantines what was left and reports the hole', async () => {
    const first = await startEdge();
    await waitUntil(
      'two segments',
      () => segments().length,
      (n) => n >= 2,
      60_000,
    );
    const [before] = await waitUntil('one recorder', recorders, (p) => p.length === 1, 10_000);
    expect(runs().map((r) => r.pid)).toContain(before);

    first.proc.kill('SIGKILL');
    await first.exited;
    // The kernel's parent-death signal reaches ffmpeg: it finishes its segment and quits, nobody left recording.
    await waitUntil('the recorder to die with its edge', recorders, (p) => p.length === 0, 15_000);
    const oldRun = runs().at(-1)!;
    expect(oldRun.settled_ms).toBeNull();

    const second = await startEdge();
    const settled = await waitUntil(
      'the old run settled and two segments from the new one',
      () => ({ runs: runs(), segments: segments() }),
      (s) =>
        s.runs.find((r) => r.prefix === oldRun.prefix)?.settled_ms != null &&
        s.runs.length === 2 &&
        s.segments.filter((g) => g.path.includes(s.runs[1]!.prefix)).length >= 2,
      120_000,
    );
    const newRun = settled.runs[1]!;
    // One recorder for the camera: the new edge's.
    expect(recorders()).toEqual([newRun.pid]);
    // Every file the dead run left is footage in the index (its last one finished by ffmpeg on the way out), or
    // was quarantined and recorded.
    const indexed = new Set(settled.segments.map((s) => s.path));
    const onDisk = readdirSync(cameraDir).filter((f) => f.startsWith(`${oldRun.prefix}-`));
    expect(onDisk.filter((f) => !indexed.has(join(cameraDir, f)))).toEqual([]);
    const recovered = events('video.segment').filter((e) => e.recovered);
    const quarantined = events('video.segment-quarantined');
    expect(recovered.length + quarantined.length).toBeGreaterThanOrEqual(1);
    expect(quarantined.length).toBeLessThanOrEqual(1);

    // The hole between the dead edge's footage and the new edge's is a gap, in the API and in the record.
    const newFirst = settled.segments.find((s) => s.path.includes(newRun.prefix))!;
    const oldEnd = Math.max(...settled.segments.filter((s) => s.start_ms < newFirst.start_ms).map((s) => s.end_ms));
    const hole = { from: oldEnd, to: newFirst.start_ms };
    const timeline = await second.get<{ gaps: TimeRange[] }>(
      `/api/video/timeline/${CAMERA}?from=${settled.segments[0]!.start_ms}&to=${settled.segments.at(-1)!.end_ms}`,
    );
    expect(timeline.gaps).toEqual([hole]);
    expect(events('video.gap')).toContainEqual({ camera: CAMERA, ...hole });

    // A graceful stop: ffmpeg's last segment is indexed before the store closes, the run settled, nothing left.
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(recorders()).toEqual([]);
    expect(runs().filter((r) => r.settled_ms === null)).toEqual([]);
    const all = new Set(segments().map((s) => s.path));
    expect(readdirSync(cameraDir).filter((f) => !all.has(join(cameraDir, f)))).toEqual([]);
  }, 180_000);
});
