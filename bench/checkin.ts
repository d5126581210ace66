// Check-in: false accepts / false rejects on the shared LFW photos at the chosen policy, check-in latency
// for a 640×480 one-face frame (wasm backend), and throughput with one worker per core.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BiometricStore } from '../edge/checkin/biometric-store.ts';
import { CheckinService } from '../edge/checkin/checkin-service.ts';
import { Allocator, IdCardDirectory } from '../edge/checkin/checkin-store.ts';
import { type Detector, FaceEngine, type ImageAnalysis } from '../edge/checkin/face/face-engine.ts';
import { DEFAULT_POLICY, type Descriptor, euclidean, identify, verifyOneToOne } from '../edge/checkin/match-policy.ts';
import { InMemoryRoster } from '../edge/checkin/roster.ts';
import { openDatabase } from '../edge/store/database.ts';
import { EventLog } from '../edge/store/event-log.ts';
import { cameraFrame, identities, photo, photoFiles, timedFrames } from '../simulators/face-terminal/shared-photos.ts';
import { testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

/** Photos per LFW identity (of 50): the whole set takes about a minute more on two cores. */
const PER_IDENTITY = Number(process.env.BENCH_CHECKIN_PHOTOS ?? 20);
/** The camera-frame detector measured: `tiny` (the default, SSD confirming) or `ssd` alone. */
const CAMERA_DETECTOR: Detector = process.env.BENCH_CHECKIN_DETECTOR === 'ssd' ? 'ssd' : 'tiny';
const LATENCY_RUNS = 20;
const area = 'checkin';

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const rate = (part: number, whole: number) => (whole === 0 ? 0 : (100 * part) / whole);

interface LfwFace {
  id: string;
  /** From the photo itself as a reference (chip or enrolment photo): SSD. */
  reference: Descriptor | null;
  /** From the photo placed in a 640×480 camera frame, as the terminal sees a face. */
  camera: Descriptor | null;
  cameraDetector: Detector | null;
}

/** Each LFW photo analysed both ways, the way check-in uses them. */
async function describeLfw(engine: FaceEngine): Promise<LfwFace[]> {
  const jobs = identities('lfw').flatMap((id) =>
    photoFiles('lfw', id)
      .slice(0, PER_IDENTITY)
      .map((_, i) => ({ id, i })),
  );
  const only = (a: ImageAnalysis) => (a.faces.length === 1 ? a.faces[0]!.descriptor! : null);
  return Promise.all(
    jobs.map(async ({ id, i }) => {
      const [reference, camera] = await Promise.all([
        engine.analyze(photo('lfw', id, i)),
        engine.analyze(await cameraFrame([photo('lfw', id, i)]), 'frame', undefined, 'camera'),
      ]);
      return { id, reference: only(reference), camera: only(camera), cameraDetector: camera.detector };
    }),
  );
}

/** Pairwise error rates, camera face against reference face of a different photo. */
function errorRates(faces: LfwFace[], threshold: number) {
  let genuine = 0;
  let falseRejects = 0;
  let impostor = 0;
  let falseAccepts = 0;
  for (const live of faces) {
    for (const ref of faces) {
      if (live === ref || !live.camera || !ref.reference) continue;
      const match = euclidean(live.camera, ref.reference) <= threshold;
      if (live.id === ref.id) {
        genuine++;
        if (!match) falseRejects++;
      } else {
        impostor++;
        if (match) falseAccepts++;
      }
    }
  }
  return { genuine, impostor, frr: rate(falseRejects, genuine), far: rate(falseAccepts, impostor) };
}

/**
 * 人证核验 attempts at the policy: each photo's reference descriptor as the chip photo, the camera
 * descriptors of two other photos as the live frames.
 */
function policyAttempts(faces: LfwFace[]) {
  const byId = new Map<string, LfwFace[]>();
  for (const f of faces) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
  const liveFramePairs = (of: LfwFace[], except?: LfwFace) => {
    const live = of.filter((f) => f !== except && f.camera).map((f) => f.camera!);
    const pairs: Descriptor[][] = [];
    for (let k = 0; k + 1 < live.length; k += 2) pairs.push([live[k]!, live[k + 1]!]);
    return pairs;
  };
  let genuine = 0;
  let rejected = 0;
  let impostor = 0;
  let accepted = 0;
  for (const [id, mine] of byId) {
    for (const chip of mine) {
      if (!chip.reference) continue;
      for (const frames of liveFramePairs(mine, chip)) {
        genuine++;
        if (!verifyOneToOne(chip.reference, frames).match) rejected++;
      }
      for (const [other, theirs] of byId) {
        if (other === id) continue;
        for (const frames of liveFramePairs(theirs)) {
          impostor++;
          if (verifyOneToOne(chip.reference, frames).match) accepted++;
        }
      }
    }
  }
  // 1:N: three people enrolled from one reference photo each, the fourth not enrolled; camera pairs probe.
  let strangers = 0;
  let strangersMatched = 0;
  for (const [left, theirs] of byId) {
    const gallery = [...byId]
      .filter(([id]) => id !== left)
      .map(([id, fs]) => ({ id, templates: [fs.find((f) => f.reference)!.reference!] }));
    for (const frames of liveFramePairs(theirs)) {
      strangers++;
      if (identify(gallery, frames).identity !== null) strangersMatched++;
    }
  }
  return {
    genuine,
    frr: rate(rejected, genuine),
    impostor,
    far: rate(accepted, impostor),
    strangers,
    strangerMatches: rate(strangersMatched, strangers),
  };
}

/**
 * Sequential 人证核验 check-ins through the service and its SQLite record. As at the terminal, the chip photo is
 * analysed when the card is read (while the expert steps up to the camera), so the check-in waits for the
 * 640×480 frame only; the chip photo's own time is reported apart.
 */
async function checkinLatency(engine: FaceEngine) {
  const dir = mkdtempSync(join(tmpdir(), 'halledge-bench-checkin-'));
  const db = openDatabase(join(dir, 'bench.db'));
  const log = new EventLog(db, 'qinshui');
  const venue = testVenue('qinshui');
  const idCards = new IdCardDirectory(db, Buffer.alloc(32, 3));
  const roster = new InMemoryRoster();
  const idNumber = (i: number) => `1101051949123${String(i).padStart(4, '0')}X`;
  for (let i = 0; i < LATENCY_RUNS; i++) {
    roster.add({
      pseudonym: `B${i}`,
      session: 'S',
      room: 'room-1',
      seat: null,
      checkinOpen: true,
      idHash: idCards.hash(idNumber(i)),
    });
  }
  const service = new CheckinService({
    venue,
    log,
    roster,
    idCards,
    allocator: new Allocator(db, log, venue),
    biometrics: new BiometricStore(db, log, Buffer.alloc(32, 4)),
    faceEngine: async () => engine,
  });
  const chipPhoto = photo('lfw', 'Colin_Powell', 3);
  // Two distinct frames a second apart: the fewest the presentation checks accept.
  const frames = await Promise.all([1, 2].map((i) => cameraFrame([photo('lfw', 'Colin_Powell', i)])));
  const checkins: number[] = [];
  const chips: number[] = [];
  let accepted = 0;
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const read = performance.now();
    const chipFace = service.prepareChipPhoto(chipPhoto);
    await chipFace;
    chips.push(performance.now() - read);
    const t = performance.now();
    const result = await service.checkInWithIdCard({
      by: 'bench',
      idNumber: idNumber(i),
      chipPhoto,
      chipFace,
      frames: timedFrames(frames),
    });
    checkins.push(performance.now() - t);
    if (result.accepted) accepted++;
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const sort = (xs: number[]) => xs.sort((a, b) => a - b);
  return { checkins: sort(checkins), chips: sort(chips), accepted };
}

/**
 * One 640×480 camera frame at a time through the engine: detection, landmarks, descriptor. Also the process
 * CPU time per frame, which does not depend on what else the machine runs (wall times do).
 */
async function frameLatency(engine: FaceEngine, runs: number) {
  const frame = await cameraFrame([photo('lfw', 'George_W_Bush', 1)]);
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await engine.analyze(frame, 'frame', undefined, 'camera');
    times.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  return { sorted: times.sort((a, b) => a - b), cpuMs: (used.user + used.system) / 1000 / runs };
}

function frameRows(label: string, frame: { sorted: number[]; cpuMs: number }): BenchRow[] {
  return [
    { area, metric: `640×480 frame analysis p50 (${label})`, value: pct(frame.sorted, 50), unit: 'ms' },
    { area, metric: `640×480 frame analysis p99 (${label})`, value: pct(frame.sorted, 99), unit: 'ms' },
    { area, metric: `640×480 frame analysis CPU time (${label})`, value: frame.cpuMs, unit: 'ms' },
  ];
}

async function throughput(engine: FaceEngine, frames: number) {
  const frame = await cameraFrame([photo('lfw', 'Colin_Powell', 4)]);
  const t = performance.now();
  await Promise.all(Array.from({ length: frames }, () => engine.analyze(frame, 'frame', undefined, 'camera')));
  return frames / ((performance.now() - t) / 1000);
}

function accuracyRows(faces: LfwFace[]): BenchRow[] {
  const camera = faces.filter((f) => f.camera);
  const rows: BenchRow[] = [
    {
      area,
      metric: `LFW photos with one face found as reference (SSD, of ${faces.length})`,
      value: rate(faces.filter((f) => f.reference).length, faces.length),
      unit: '%',
    },
    {
      area,
      metric: `LFW camera frames with one face found (${CAMERA_DETECTOR}, of ${faces.length})`,
      value: rate(camera.length, faces.length),
      unit: '%',
    },
    {
      area,
      metric: 'camera frames where SSD had to confirm',
      value: rate(faces.filter((f) => f.cameraDetector === 'ssd').length, faces.length),
      unit: '%',
    },
  ];
  for (const threshold of [0.6, DEFAULT_POLICY.threshold]) {
    const r = errorRates(faces, threshold);
    rows.push(
      { area, metric: `pairwise false accepts @${threshold} (${r.impostor} pairs)`, value: r.far, unit: '%' },
      { area, metric: `pairwise false rejects @${threshold} (${r.genuine} pairs)`, value: r.frr, unit: '%' },
    );
  }
  const a = policyAttempts(faces);
  rows.push(
    {
      area,
      metric: `1:1 policy false accepts (2 frames, ${a.impostor} attempts)`,
      value: a.far,
      unit: '%',
      target: '≤ 0.1 %',
    },
    {
      area,
      metric: `1:1 policy false rejects (2 frames, ${a.genuine} attempts)`,
      value: a.frr,
      unit: '%',
      target: '≤ 5 %',
    },
    {
      area,
      metric: `1:N non-enrolled matched to someone (${a.strangers} attempts)`,
      value: a.strangerMatches,
      unit: '%',
    },
  );
  return rows;
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const engine = await FaceEngine.start({ maxQueue: 1000, cameraDetector: CAMERA_DETECTOR });
  try {
    rows.push({ area, metric: 'tfjs backend', value: engine.backend, unit: '' });
    rows.push(...accuracyRows(await describeLfw(engine)));
    const latency = await checkinLatency(engine);
    rows.push(
      {
        area,
        metric: `id-card+face check-in p50 (640×480 frame, ${CAMERA_DETECTOR})`,
        value: pct(latency.checkins, 50),
        unit: 'ms',
        target: 'p50 ≤ 250 ms',
      },
      {
        area,
        metric: `id-card+face check-in p99 (640×480 frame, ${CAMERA_DETECTOR})`,
        value: pct(latency.checkins, 99),
        unit: 'ms',
        target: 'p99 ≤ 600 ms',
      },
      {
        area,
        metric: 'chip photo analysis at card read p50 (SSD, before the capture)',
        value: pct(latency.chips, 50),
        unit: 'ms',
      },
      {
        area,
        metric: 'genuine check-ins accepted in the latency run',
        value: `${latency.accepted}/${LATENCY_RUNS}`,
        unit: '',
      },
    );
    rows.push(...frameRows(CAMERA_DETECTOR, await frameLatency(engine, 10)));
    rows.push({
      area,
      metric: `frames/s with ${engine.size} workers (${CAMERA_DETECTOR})`,
      value: await throughput(engine, 16),
      unit: '/s',
    });
  } finally {
    await engine.close();
  }
  const single = await FaceEngine.start({ workers: 1, cameraDetector: CAMERA_DETECTOR });
  try {
    rows.push({
      area,
      metric: `frames/s with 1 worker (${CAMERA_DETECTOR})`,
      value: await throughput(single, 8),
      unit: '/s',
    });
  } finally {
    await single.close();
  }
  // The other camera detector's speed, for comparison (its error rates: BENCH_CHECKIN_DETECTOR=…).
  const other: Detector = CAMERA_DETECTOR === 'ssd' ? 'tiny' : 'ssd';
  const alternative = await FaceEngine.start({ cameraDetector: other });
  try {
    rows.push(...frameRows(`${other}, alternative`, await frameLatency(alternative, 10)));
  } finally {
    await alternative.close();
  }
  return rows;
}
