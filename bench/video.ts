// CPU of recording and live view for 16 simulated 1080p cameras. Recording counts what the venue pays for it: the
// recorders' ffmpeg (stream copy) and the edge process itself (segment check, SHA-256, index, event log), both read
// from the kernel's accounting over the same windows. Live view: 16 tiles passthrough (fMP4 for MSE) on the
// cameras' substreams, as the grid shows them, and on their main streams for comparison, versus transcoding
// (MPEG-1). The simulated cameras run in a child process (video-cameras.worker.ts) and are not counted.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AlarmEngine } from '../edge/alerts/alarms.ts';
import { openDatabase } from '../edge/store/database.ts';
import { EventLog } from '../edge/store/event-log.ts';
import type { CameraStream, LiveMode } from '../edge/video/live-hub.ts';
import { checkSegment } from '../edge/video/segment-check.ts';
import { segmentChecker } from '../edge/video/segment-checker.ts';
import { VideoService } from '../edge/video/video-service.ts';
import { tempDir } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

export const CAMERAS = 16;
const SEGMENT_S = 10;
/** Recording is measured over windows of three segment rounds (16 checks every 10 s); the median is the figure. */
const WINDOWS = 3;
const WINDOW_MS = 3 * SEGMENT_S * 1000;
const TICKS_PER_S = 100; // Linux USER_HZ
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0; // the process ended; its CPU up to now was already counted by the previous sample
  }
}

/** The machine's CPU time so far, all of it and the part stolen by the hypervisor (first line of /proc/stat). */
function machineTicks(): { total: number; steal: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
}

interface CpuWindow {
  children: number;
  edge: number;
  /** Share of the machine's time the hypervisor gave to others: process CPU times swing with it. */
  steal: number;
}

/** Percent of one core used over `ms` by the given processes, and by this process (the edge). */
async function cpuPercent(pids: () => number[], ms: number): Promise<CpuWindow> {
  const start = new Map(pids().map((p) => [p, cpuTicks(p)]));
  const edgeStart = process.cpuUsage();
  const machineStart = machineTicks();
  const t0 = process.hrtime.bigint();
  await sleep(ms);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const edge = process.cpuUsage(edgeStart);
  const machine = machineTicks();
  let ticks = 0;
  for (const [pid, before] of start) ticks += Math.max(0, cpuTicks(pid) - before);
  return {
    children: (ticks / TICKS_PER_S / seconds) * 100,
    edge: ((edge.user + edge.system) / 1e6 / seconds) * 100,
    steal: ((machine.steal - machineStart.steal) / Math.max(1, machine.total - machineStart.total)) * 100,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;

interface CameraUrls {
  /** Each camera's main (1080p) and sub (640×360) RTSP URL. */
  streams: Record<string, string>;
  substreams: Record<string, string>;
}

/**
 * Starts the simulated cameras in a child process; resolves with each camera's RTSP URLs. Substreams only for
 * the live view: 16 more publishers would load the machine while recording is measured.
 */
export async function startCameras(
  ids: string[],
  substreams: boolean,
): Promise<CameraUrls & { stop: () => Promise<void> }> {
  const args = [ids.join(','), substreams ? 'substreams' : 'main'];
  const child = fork(new URL('./video-cameras.worker.ts', import.meta.url), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'], // the RTSP server logs every client on stdout
  });
  const urls = await new Promise<CameraUrls>((ok, fail) => {
    child.once('message', (m) => ok(m as CameraUrls));
    child.once('exit', (code) => fail(new Error(`the simulated cameras exited (${code}) before streaming`)));
  });
  const exited = new Promise((ok) => child.once('exit', ok));
  return {
    ...urls,
    stop: async () => {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

export async function run(): Promise<BenchRow[]> {
  const ids = Array.from({ length: CAMERAS }, (_, i) => `bench-cam-${i + 1}`);
  let cameras = await startCameras(ids, false);
  const dataDir = tempDir('halledge-video-bench-');
  const db = openDatabase(join(dataDir, 'edge.db'));
  const log = new EventLog(db, 'bench');
  const video = new VideoService(
    { db, log, alarms: new AlarmEngine(log), dataDir },
    { segmentS: SEGMENT_S, recorder: { stallAfterMs: 60_000 } },
  );
  const rows: BenchRow[] = [];
  try {
    for (const id of ids) video.record(id, cameras.streams[id]!);
    await sleep(12_000); // connect, probe (ffmpeg decodes a few frames to probe) and finish a first segment
    // The recorders and the pulls they read (one per camera: an ffmpeg copying it into the edge's relay).
    const recordingPids = () => [...ids.flatMap((id) => video.recorder(id)?.pid ?? []), ...video.pulls.pids()];
    const windows: CpuWindow[] = [];
    for (let i = 0; i < WINDOWS; i++) windows.push(await cpuPercent(recordingPids, WINDOW_MS));
    // Recording ends (the service stays up for the live rows).
    await Promise.all(ids.map((id) => video.forget(id)));
    await cameras.stop();
    const segmentPaths = ids.flatMap((id) => video.timeline(id, 0, Date.now()).segments.map((seg) => seg.path));
    rows.push(...recordingRows(windows), ...(await checkRows(segmentPaths)));
    cameras = await startCameras(ids, true);
    const recorded = ids.filter((id) => video.timeline(id, 0, Date.now()).segments.length > 0).length;
    rows.push({
      area: 'video',
      metric: 'cameras with validated segments during the run',
      value: recorded,
      unit: `of ${CAMERAS}`,
    });

    const tiles = async (mode: LiveMode, shown: string[], stream: CameraStream = 'main') => {
      let bytes = 0;
      const sent = new Set<CameraStream>();
      const detach = shown.map((id) =>
        video.live.watch(
          id,
          mode,
          {
            start: (info) => sent.add(info.stream),
            send: (chunk) => {
              bytes += chunk.length;
            },
            ready: () => true,
            close: () => {},
          },
          stream,
        ),
      );
      await sleep(10_000); // connect, probe (ffmpeg decodes a few frames to probe) and reach steady state
      // The edge's own share is what it takes to fan the stream out to the viewers.
      const { children, edge, steal } = await cpuPercent(() => [...video.live.pids(), ...video.pulls.pids()], 10_000);
      for (const d of detach) d();
      video.live.stop();
      if ([...sent].some((s) => s !== stream)) throw new Error(`live view of the ${stream} streams sent ${[...sent]}`);
      return { cpu: children + edge, edge, steal, bytes };
    };
    for (const id of ids) video.addCamera(id, cameras.streams[id]!, cameras.substreams[id]);
    // The grid shows substreams (640×360, 12 fps, 512 kbit/s), as NVRs do; main streams only for comparison.
    const grid = await tiles('mse', ids, 'sub');
    if (grid.bytes === 0) throw new Error('live passthrough of the substreams delivered no data');
    rows.push({
      area: 'video',
      metric: `live view ${CAMERAS} tiles, substreams (grid), passthrough, ffmpeg + edge (edge ${grid.edge.toFixed(1)}, steal ${grid.steal.toFixed(1)} %)`,
      value: grid.cpu,
      unit: '% of one core',
      target: '≤ 10',
    });
    const mse = await tiles('mse', ids, 'main');
    if (mse.bytes === 0) throw new Error('live passthrough delivered no data');
    rows.push({
      area: 'video',
      metric: `live view ${CAMERAS} tiles, main streams (1080p25), passthrough (fMP4 → MSE), ffmpeg + edge (edge ${mse.edge.toFixed(1)}, steal ${mse.steal.toFixed(1)} %)`,
      value: mse.cpu,
      unit: '% of one core',
      target: 'for comparison',
    });
    // Transcoding 16 1080p streams would need more than this 2-core machine has; measure 2 and scale.
    const sample = ids.slice(0, 2);
    const mpeg1 = await tiles('mpeg1', sample);
    if (mpeg1.bytes === 0) throw new Error('live transcoding delivered no data');
    rows.push({
      area: 'video',
      metric: `live view, transcoding fallback (MPEG-1), ${sample.length} tiles measured, ffmpeg + edge`,
      value: mpeg1.cpu,
      unit: '% of one core',
    });
    rows.push({
      area: 'video',
      metric: `live view ${CAMERAS} tiles, transcoding fallback (extrapolated ×${CAMERAS / sample.length})`,
      value: (mpeg1.cpu * CAMERAS) / sample.length,
      unit: '% of one core',
      target: 'for comparison',
    });
  } finally {
    await video.stop();
    await cameras.stop();
  }
  return rows;
}

function recordingRows(windows: CpuWindow[]): BenchRow[] {
  const ffmpeg = windows.map((w) => w.children);
  const edge = windows.map((w) => w.edge);
  const total = windows.map((w) => w.children + w.edge);
  const of = `median of ${WINDOWS} × ${WINDOW_MS / 1000} s, steal ${range(windows.map((w) => w.steal))} %`;
  return [
    {
      area: 'video',
      metric: `recording ${CAMERAS}×1080p25 H.264, stream copy, ${SEGMENT_S} s segments: ffmpeg (${range(ffmpeg)})`,
      value: median(ffmpeg),
      unit: '% of one core',
    },
    {
      area: 'video',
      metric: `recording: edge process — check, SHA-256, index, log (${range(edge)})`,
      value: median(edge),
      unit: '% of one core',
    },
    {
      area: 'video',
      metric: `recording in total, ${of} (${range(total)})`,
      value: median(total),
      unit: '% of one core',
      target: '≤ 10',
    },
  ];
}

/**
 * The check and SHA-256 of one recorded segment, with the cameras stopped (after a pass that warms the JIT, as a
 * running edge is): what the recording windows count for it, without the machine's load. Then what leaves the
 * edge's event loop now that the recorders check in the worker thread (segment-checker.ts): the loop's busy time
 * per segment (`eventLoopUtilization`) checked in process and through the worker, and the worker's own time.
 */
async function checkRows(paths: string[]): Promise<BenchRow[]> {
  const segments = Math.max(1, paths.length);
  const perSegment = (ms: number) => ms / segments;
  for (const path of paths) await checkSegment(path);
  const cpu = process.cpuUsage();
  const inProcess = performance.eventLoopUtilization();
  for (const path of paths) await checkSegment(path);
  const loopInProcess = performance.eventLoopUtilization(inProcess).active;
  const used = process.cpuUsage(cpu);
  for (const path of paths) await segmentChecker.check(path);
  const workerBefore = segmentChecker.spent.ms;
  const inWorker = performance.eventLoopUtilization();
  for (const path of paths) await segmentChecker.check(path);
  const loopInWorker = performance.eventLoopUtilization(inWorker).active;
  const workerMs = segmentChecker.spent.ms - workerBefore;
  const of = `one 10 s 1080p segment (${paths.length} segments)`;
  return [
    {
      area: 'video',
      metric: `segment check + SHA-256, ${of}`,
      value: perSegment((used.user + used.system) / 1000),
      unit: 'ms CPU',
    },
    {
      area: 'video',
      metric: `segment check in process: event loop busy, ${of}`,
      value: perSegment(loopInProcess),
      unit: 'ms',
    },
    {
      area: 'video',
      metric: `segment check in the worker thread: event loop busy, ${of}`,
      value: perSegment(loopInWorker),
      unit: 'ms',
    },
    {
      area: 'video',
      metric: `segment check in the worker thread: the worker's time, ${of}`,
      value: perSegment(workerMs),
      unit: 'ms',
    },
  ];
}
