// npm run faults -- video: recording under faults. ffmpeg killed and a camera gone silent (in-process recorder),
// the edge killed with kill -9 as a segment is finalised (a real edge process, restarted on the same data), and a
// full disk (the data directory on a small tmpfs). Each row says whether the promise held and what was measured.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { AlarmEngine } from '../edge/alerts/alarms.ts';
import { openDatabase } from '../edge/store/database.ts';
import { EventLog } from '../edge/store/event-log.ts';
import type { TimeRange } from '../edge/video/coverage.ts';
import type { Segment } from '../edge/video/segment-index.ts';
import { VideoService } from '../edge/video/video-service.ts';
import { CameraFarm } from '../simulators/camera/camera-farm.ts';
import { type EdgeProcess, edgeDatabase, processesWritingInto, startRecordingEdge } from '../test/edge-process.ts';
import { tempDir } from '../test/venue-harness.ts';
import { waitUntil } from '../test/wait-until.ts';
import type { FaultRow } from './types.ts';

const CAMERA = 'cam-room-1';
const SEGMENT_S = 2;
const MB = 2 ** 20;

const range = (xs: number[]) => (xs.length ? `${Math.min(...xs)}–${Math.max(...xs)}` : '–');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The only gap in `gaps` is `hole`: the hole is reported, exactly, and nothing else is. */
const reportedExactly = (gaps: TimeRange[], hole: TimeRange) =>
  gaps.length === 1 && gaps[0]!.from === hole.from && gaps[0]!.to === hole.to;

/** ffmpeg SIGKILLed, then the camera silent (powered off): restart, alarm, and the gap against the true outage. */
async function recorderFaults(farm: CameraFarm, runs: number): Promise<FaultRow[]> {
  const dataDir = tempDir('halledge-fault-video-');
  const db = openDatabase(join(dataDir, 'edge.db'));
  const log = new EventLog(db, 'qinshui');
  const alarms = new AlarmEngine(log);
  const video = new VideoService(
    { db, log, alarms, dataDir, logger: pino({ level: 'silent' }) },
    { segmentS: SEGMENT_S, credentials: farm.credentials },
  );
  const recorder = video.record(CAMERA, farm.streamUrl(CAMERA));
  const segments = (): Segment[] => video.timeline(CAMERA, 0, Date.now() + 60_000).segments;
  /** Waits for two segments after `t`, then the hole around `t`: the last footage before it and the first after. */
  const holeAround = async (t: number) => {
    const after = await waitUntil(
      'two segments after the fault',
      () => segments().filter((s) => s.start > t),
      (s) => s.length >= 2,
      60_000,
    );
    const before = segments().filter((s) => s.start < after[0]!.start);
    const hole = { from: Math.max(...before.map((s) => s.end)), to: after[0]!.start };
    // From the last footage before the hole: earlier faults' gaps are not this one's.
    const gaps = video.timeline(CAMERA, hole.from - 1, after.at(-1)!.end).gaps;
    return { hole, reported: reportedExactly(gaps, hole) };
  };
  const recording = () =>
    waitUntil(
      'the recorder recording',
      () => recorder.state,
      (s) => s === 'recording',
      60_000,
    ).then(() =>
      waitUntil(
        'two segments',
        () => segments().length,
        (n) => n >= 2,
        60_000,
      ),
    );
  const alarmAfter = async (t: number) => {
    const alarm = await waitUntil(
      'recording-gap',
      () => alarms.openFor('recording-gap', CAMERA),
      (a) => a !== null,
      60_000,
    );
    return alarm!.raisedAt - t;
  };
  const alarmCleared = () =>
    waitUntil(
      'recording-gap cleared',
      () => alarms.openFor('recording-gap', CAMERA),
      (a) => a === null,
      60_000,
    );

  const killed = { held: 0, detect: [] as number[], lostBefore: [] as number[], restart: [] as number[] };
  const silent = { held: 0, detect: [] as number[], startError: [] as number[], endLag: [] as number[] };
  try {
    for (let i = 0; i < runs; i++) {
      await recording();
      const t = Date.now();
      process.kill(recorder.pid!, 'SIGKILL');
      killed.detect.push(await alarmAfter(t));
      const { hole, reported } = await holeAround(t);
      await alarmCleared();
      // The gap holds the kill: it starts where the last whole segment ends (what the killed ffmpeg was writing
      // is lost) and ends where the restarted one's first segment starts.
      killed.lostBefore.push(t - hole.from);
      killed.restart.push(hole.to - t);
      if (reported && hole.from <= t && hole.to >= t) killed.held++;
    }
    for (let i = 0; i < runs; i++) {
      await recording();
      const off = Date.now();
      farm.powerOff(CAMERA);
      silent.detect.push(await alarmAfter(off));
      await sleep(2000);
      const on = Date.now();
      farm.powerOn(CAMERA);
      const { hole, reported } = await holeAround(on);
      await alarmCleared();
      // The true outage is [off, on]: the gap must cover it, starting where the camera's picture stopped.
      silent.startError.push(hole.from - off);
      silent.endLag.push(hole.to - on);
      if (reported && hole.from <= off + 1500 && hole.to >= on) silent.held++;
    }
  } finally {
    await video.stop();
    db.close();
  }
  return [
    {
      scenario: 'ffmpeg killed (SIGKILL)',
      runs,
      held: killed.held === runs,
      detail:
        `${killed.held}/${runs} restarted with the hole reported exactly as a gap holding the kill; alarm after ` +
        `${range(killed.detect)} ms (ffmpeg's exit); gap starts ${range(killed.lostBefore)} ms before the kill ` +
        `(the unfinished segment, quarantined), ends ${range(killed.restart)} ms after it (restart)`,
    },
    {
      scenario: `camera silent (power off), ${SEGMENT_S} s segments`,
      runs,
      held: silent.held === runs,
      detail:
        `${silent.held}/${runs} gaps reported covering the outage; dead recorder detected after ` +
        `${range(silent.detect)} ms (stall allowance ${SEGMENT_S * 2 + 4} s); gap start − power off ` +
        `${range(silent.startError)} ms, gap end − power on ${range(silent.endLag)} ms`,
    },
  ];
}

interface Run {
  prefix: string;
  settled_ms: number | null;
}

/** kill -9 of a real edge just as ffmpeg finishes a segment (a new file appears), `runs` times on one data dir. */
async function edgeKills(farm: CameraFarm, runs: number): Promise<FaultRow> {
  const dataDir = tempDir('halledge-fault-edge-');
  const cameraDir = join(dataDir, 'video', CAMERA);
  const query = edgeDatabase(dataDir);
  const runsNow = () => query<Run>('SELECT prefix, settled_ms FROM video_runs ORDER BY started_ms');
  const segments = () =>
    query<{ path: string; start_ms: number; end_ms: number }>(
      'SELECT path, start_ms, end_ms FROM video_segments WHERE camera = ? ORDER BY start_ms',
      CAMERA,
    );
  let held = 0;
  const orphanGone: number[] = [];
  let recovered = 0;
  let quarantined = 0;
  const problems: string[] = [];
  let edge = await startRecordingEdge(farm, CAMERA, dataDir, { segmentS: SEGMENT_S });
  try {
    for (let i = 0; i < runs; i++) {
      const current = await waitUntil(
        'a recording run with two segments',
        () => runsNow().at(-1),
        (r) => r !== undefined && segments().filter((s) => s.path.includes(r.prefix)).length >= 2,
        60_000,
      );
      // Kill as the next segment begins: ffmpeg has just finished the previous one, which the edge is checking,
      // hashing and indexing.
      const seen = new Set(readdirSync(cameraDir));
      await waitUntil(
        'the next segment file',
        () => readdirSync(cameraDir).some((f) => !seen.has(f)),
        (b) => b,
        30_000,
        2,
      );
      edge.proc.kill('SIGKILL');
      const killedAt = Date.now();
      await edge.exited;
      await waitUntil(
        'the recorder to die with its edge',
        () => processesWritingInto(cameraDir),
        (p) => p.length === 0,
        30_000,
      );
      orphanGone.push(Date.now() - killedAt);

      edge = await startRecordingEdge(farm, CAMERA, dataDir, { segmentS: SEGMENT_S });
      const after = await waitUntil(
        'the dead run settled and two new segments',
        () => ({ runs: runsNow(), segments: segments() }),
        (s) =>
          s.runs.find((r) => r.prefix === current!.prefix)?.settled_ms != null &&
          s.runs.at(-1)!.prefix !== current!.prefix &&
          s.segments.filter((g) => g.path.includes(s.runs.at(-1)!.prefix)).length >= 2,
        60_000,
      );
      const fresh = after.runs.at(-1)!;
      const indexed = new Set(after.segments.map((s) => s.path));
      const left = readdirSync(cameraDir).filter(
        (f) => f.startsWith(`${current!.prefix}-`) && !indexed.has(join(cameraDir, f)),
      );
      const firstNew = after.segments.find((s) => s.path.includes(fresh.prefix))!;
      const old = after.segments.filter((s) => s.start_ms < firstNew.start_ms);
      const lastOld = old.reduce((a, b) => (b.end_ms > a.end_ms ? b : a));
      const hole = { from: lastOld.end_ms, to: firstNew.start_ms };
      const timeline = await edge.get<{ gaps: TimeRange[] }>(
        `/api/video/timeline/${CAMERA}?from=${lastOld.start_ms}&to=${firstNew.end_ms}`,
      );
      const single = processesWritingInto(cameraDir).length === 1;
      if (left.length === 0 && reportedExactly(timeline.gaps, hole) && single) held++;
      else
        problems.push(
          `run ${i + 1}: unindexed ${left.length}, gaps ${JSON.stringify(timeline.gaps)}, single ${single}`,
        );
    }
    const events = (type: string) =>
      query<{ data: string }>('SELECT data FROM events WHERE type = ?', type).map((e) => JSON.parse(e.data));
    recovered = events('video.segment').filter((e) => e.recovered).length;
    quarantined = events('video.segment-quarantined').length;
  } finally {
    edge.proc.kill('SIGTERM');
    const code = await edge.exited;
    if (code !== 0) problems.push(`graceful stop exited ${code}`);
    if (runsNow().some((r) => r.settled_ms === null)) problems.push('a run unsettled after the graceful stop');
  }
  return {
    scenario: 'edge kill -9 during segment finalisation',
    runs,
    held: held === runs && problems.length === 0,
    detail:
      `${held}/${runs}: no recorder outlived the edge (gone ${range(orphanGone)} ms after the kill), the dead run's ` +
      `files all indexed (${recovered} recovered) or quarantined (${quarantined}), one recorder after restart, the ` +
      `hole reported exactly${problems.length ? `; ${problems.join('; ')}` : ''}`,
  };
}

/** The data directory on a 96 MB tmpfs: filled under the reserve, and then to the last byte; then freed. */
async function fullDisk(farm: CameraFarm): Promise<FaultRow[]> {
  const mount = tempDir('halledge-fault-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mount]);
  const dataDir = join(mount, 'data');
  const filler = join(mount, 'filler');
  const free = () => {
    const st = statfsSync(mount);
    return st.bavail * st.bsize;
  };
  const fill = (leaveBytes: number) => writeFileSync(filler, Buffer.alloc(Math.max(0, free() - leaveBytes)));
  const rows: FaultRow[] = [];
  let edge: EdgeProcess | undefined;
  try {
    edge = await startRecordingEdge(farm, CAMERA, dataDir, {
      segmentS: SEGMENT_S,
      env: { HALLEDGE_VIDEO_RESERVE_MB: '24' },
    });
    const e = edge;
    const cameras = () => e.get<{ camera: string; state: string }[]>('/api/video/cameras');
    const state = async () => (await cameras()).find((c) => c.camera === CAMERA)?.state;
    const openAlarm = async () => (await e.get<{ kind: string }[]>('/api/alarms?state=open&kind=disk-full')).length > 0;
    const segments = async () =>
      (await e.get<{ segments: Segment[] }>(`/api/video/timeline/${CAMERA}?from=0&to=${Date.now() + 60_000}`)).segments;

    for (const [label, leave] of [
      ['under the 24 MB reserve', 8 * MB],
      ['to the last byte', 0],
    ] as const) {
      await waitUntil('recording', state, (s) => s === 'recording', 60_000);
      await waitUntil(
        'two segments',
        async () => (await segments()).length,
        (n) => n >= 2,
        60_000,
      );
      const filledAt = Date.now();
      fill(leave);
      await waitUntil('recording paused', state, (s) => s === 'paused', 30_000);
      const pausedAt = Date.now();
      const refusedMs = pausedAt - filledAt;
      const alarmed = await openAlarm();
      await sleep(3 * SEGMENT_S * 1000);
      // The edge runs on: it answers, and no footage filmed after the pause was written.
      const stillPaused = (await state()) === 'paused' && (await segments()).every((s) => s.start < pausedAt);
      rmSync(filler);
      const freedAt = Date.now();
      await waitUntil('recording again', state, (s) => s === 'recording', 60_000);
      const resumedMs = Date.now() - freedAt;
      const after = await waitUntil(
        'a segment after the pause',
        async () => (await segments()).filter((s) => s.start > freedAt - SEGMENT_S * 1000),
        (s) => s.length >= 1,
        60_000,
      );
      const { gaps } = await e.get<{ gaps: TimeRange[] }>(
        `/api/video/timeline/${CAMERA}?from=${filledAt - 10_000}&to=${after[0]!.end}`,
      );
      // Recording stopped by the time the camera read `paused` and started again after the filler went.
      const gapReported = gaps.some((g) => g.from <= pausedAt && g.to >= freedAt);
      const cleared = !(await openAlarm());
      rows.push({
        scenario: `disk full (tmpfs) ${label}`,
        runs: 1,
        held: alarmed && stillPaused && gapReported && cleared,
        detail:
          `recording refused ${refusedMs} ms after the fill, disk-full alarm ${alarmed ? 'raised' : 'MISSING'}, ` +
          `edge ${stillPaused ? 'answering, nothing written' : 'NOT PAUSED'}; resumed ${resumedMs} ms after space ` +
          `returned, alarm ${cleared ? 'cleared' : 'STILL OPEN'}, the pause ${gapReported ? 'reported as a gap' : 'NOT A GAP'}`,
      });
    }
  } finally {
    if (existsSync(filler)) rmSync(filler);
    if (edge && edge.proc.exitCode === null) {
      edge.proc.kill('SIGTERM');
      await edge.exited;
    }
    execFileSync('umount', [mount]);
  }
  return rows;
}

export async function run(): Promise<FaultRow[]> {
  const farm = new CameraFarm({ cameras: [{ id: CAMERA, width: 320, height: 180, fps: 5 }], discovery: false });
  await farm.start();
  await farm.streamsReady();
  try {
    return [...(await recorderFaults(farm, 3)), await edgeKills(farm, 3), ...(await fullDisk(farm))];
  } finally {
    await farm.stop();
  }
}
