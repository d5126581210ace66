// Check-in: false accepts / false rejects on the shared LFW photos at the chosen policy, check-in latency
// for a 640×480 one-face frame (wasm backend), and throughput with one worker per core.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BiometricStore } from '../edge/checkin/biometric-store.ts';
import { CheckinService } from '../edge/checkin/checkin-service.ts';
import { Allocator, IdCardDirectory } from '../edge/checkin/checkin-store.ts';
import { FaceEngine } from '../edge/checkin/face/face-engine.ts';
import { DEFAULT_POLICY, type Descriptor, euclidean, identify, verifyOneToOne } from '../edge/checkin/match-policy.ts';
import { InMemoryRoster } from '../edge/checkin/roster.ts';
import { openDatabase } from '../edge/store/database.ts';
import { EventLog } from '../edge/store/event-log.ts';
import { cameraFrame, identities, photo, photoFiles } from '../simulators/face-terminal/shared-photos.ts';
import { testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

/** Photos per LFW identity (of 50): the whole set takes about a minute more on two cores. */
const PER_IDENTITY = Number(process.env.BENCH_CHECKIN_PHOTOS ?? 20);
/** `ssd` (the default) or `tiny`: which detector the error rates and check-in latency are measured with. */
const DETECTOR = process.env.BENCH_CHECKIN_DETECTOR === 'tiny' ? 'tiny' : 'ssd';
const LATENCY_RUNS = 20;
const area = 'checkin';

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const rate = (part: number, whole: number) => (whole === 0 ? 0 : (100 * part) / whole);

async function describeLfw(engine: FaceEngine) {
  const people = identities('lfw');
  const jobs = people.flatMap((id) =>
    photoFiles('lfw', id)
      .slice(0, PER_IDENTITY)
      .map((_, i) => ({ id, i })),
  );
  const faces = await Promise.all(
    jobs.map(async ({ id, i }) => {
      const analysis = await engine.analyze(photo('lfw', id, i));
      const face = analysis.faces.length === 1 ? analysis.faces[0]!.descriptor! : null;
      return { id, descriptor: face };
    }),
  );
  return {
    photos: jobs.length,
    described: faces.filter((f): f is { id: string; descriptor: number[] } => !!f.descriptor),
  };
}

/** Pairwise and policy-level error rates from the descriptors. */
function errorRates(described: { id: string; descriptor: Descriptor }[], threshold: number) {
  let genuine = 0;
  let falseRejects = 0;
  let impostor = 0;
  let falseAccepts = 0;
  for (let a = 0; a < described.length; a++) {
    for (let b = a + 1; b < described.length; b++) {
      const same = described[a]!.id === described[b]!.id;
      const match = euclidean(described[a]!.descriptor, described[b]!.descriptor) <= threshold;
      if (same) {
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

/** 人证核验 attempts at the policy: each photo as the chip photo, two other photos as the live frames. */
function policyAttempts(described: { id: string; descriptor: Descriptor }[]) {
  const byId = new Map<string, Descriptor[]>();
  for (const d of described) byId.set(d.id, [...(byId.get(d.id) ?? []), d.descriptor]);
  let genuine = 0;
  let rejected = 0;
  let impostor = 0;
  let accepted = 0;
  for (const [id, mine] of byId) {
    for (let c = 0; c < mine.length; c++) {
      const chip = mine[c]!;
      const live = mine.filter((_, k) => k !== c);
      for (let k = 0; k + 1 < live.length; k += 2) {
        genuine++;
        if (!verifyOneToOne(chip, [live[k]!, live[k + 1]!]).match) rejected++;
      }
      for (const [other, theirs] of byId) {
        if (other === id) continue;
        for (let k = 0; k + 1 < theirs.length; k += 2) {
          impostor++;
          if (verifyOneToOne(chip, [theirs[k]!, theirs[k + 1]!]).match) accepted++;
        }
      }
    }
  }
  // 1:N: three people enrolled from one photo each, the fourth not enrolled; every pair of other photos probes.
  let strangers = 0;
  let strangersMatched = 0;
  for (const [left, theirs] of byId) {
    const gallery = [...byId].filter(([id]) => id !== left).map(([id, ds]) => ({ id, templates: [ds[0]!] }));
    for (let k = 0; k + 1 < theirs.length; k += 2) {
      strangers++;
      if (identify(gallery, [theirs[k]!, theirs[k + 1]!]).identity !== null) strangersMatched++;
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

/** Sequential 人证核验 check-ins through the service (chip photo + one 640×480 frame, SQLite record). */
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
  const chipPhoto = photo('lfw', 'Colin_Powell', 3); // found by both detectors
  const frame = await cameraFrame([photo('lfw', 'Colin_Powell', 1)]);
  const times: number[] = [];
  let accepted = 0;
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const t = performance.now();
    const result = await service.checkInWithIdCard({ by: 'bench', idNumber: idNumber(i), chipPhoto, frames: [frame] });
    times.push(performance.now() - t);
    if (result.accepted) accepted++;
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { sorted: times.sort((a, b) => a - b), accepted };
}

/**
 * One 640×480 frame at a time through the engine: detection, landmarks, descriptor. Also the process CPU time
 * per frame, which does not depend on what else the machine runs (wall times do, on a shared machine).
 */
async function frameLatency(engine: FaceEngine, runs: number) {
  const frame = await cameraFrame([photo('lfw', 'George_W_Bush', 1)]);
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await engine.analyze(frame);
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
  await Promise.all(Array.from({ length: frames }, () => engine.analyze(frame)));
  return frames / ((performance.now() - t) / 1000);
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const engine = await FaceEngine.start({ maxQueue: 1000, detector: DETECTOR });
  try {
    const { photos, described } = await describeLfw(engine);
    const p = DEFAULT_POLICY;
    rows.push({
      area,
      metric: `LFW photos with one face found (${DETECTOR}, of ${photos})`,
      value: rate(described.length, photos),
      unit: '%',
    });
    for (const threshold of [0.6, p.threshold]) {
      const r = errorRates(described, threshold);
      rows.push(
        { area, metric: `pairwise false accepts @${threshold} (${r.impostor} pairs)`, value: r.far, unit: '%' },
        { area, metric: `pairwise false rejects @${threshold} (${r.genuine} pairs)`, value: r.frr, unit: '%' },
      );
    }
    const a = policyAttempts(described);
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

    const checkin = await checkinLatency(engine);
    rows.push(
      {
        area,
        metric: `id-card+face check-in p50 (chip + 640×480 frame, ${DETECTOR})`,
        value: pct(checkin.sorted, 50),
        unit: 'ms',
        target: 'p50 ≤ 250 ms',
      },
      {
        area,
        metric: `id-card+face check-in p99 (chip + 640×480 frame, ${DETECTOR})`,
        value: pct(checkin.sorted, 99),
        unit: 'ms',
        target: 'p99 ≤ 600 ms',
      },
      {
        area,
        metric: 'genuine check-ins accepted in the latency run',
        value: `${checkin.accepted}/${LATENCY_RUNS}`,
        unit: '',
      },
    );
    rows.push(...frameRows(DETECTOR, await frameLatency(engine, 10)));
    rows.push({
      area,
      metric: `frames/s with ${engine.size} workers (${DETECTOR})`,
      value: await throughput(engine, 16),
      unit: '/s',
    });
  } finally {
    await engine.close();
  }
  const single = await FaceEngine.start({ workers: 1, detector: DETECTOR });
  try {
    rows.push({ area, metric: `frames/s with 1 worker (${DETECTOR})`, value: await throughput(single, 8), unit: '/s' });
  } finally {
    await single.close();
  }
  // The other detector's speed, for the choice between them (its error rates: BENCH_CHECKIN_DETECTOR=…).
  const other = DETECTOR === 'ssd' ? 'tiny' : 'ssd';
  const alternative = await FaceEngine.start({ detector: other });
  try {
    rows.push(...frameRows(`${other}, alternative`, await frameLatency(alternative, 10)));
  } finally {
    await alternative.close();
  }
  return rows;
}
