// npm run bench -- checkin-terminal: what oversize and anonymous uploads cost the edge. Eight parallel 69 MB
// check-in bodies (the size that pushed RSS from 0.8 to 2.8 GB before the limit was sized to frames), streamed
// without a Content-Length so only the edge's counting can stop them, from an enrolled terminal and anonymously:
// how they are answered, how far each got, the edge's RSS growth beside the bytes offered, and /health meanwhile.
// Also the second-face policy: two-person 640×480 frames (two shared photos side by side, faces 220 to 90 px) that
// the Tiny detector sees as one face, and how many of them the second look (SSD) refuses.
import { worthASecondLook } from '../edge/checkin/checkin-service.ts';
import { FaceEngine } from '../edge/checkin/face/face-engine.ts';
import { cameraFrame, identities, photo } from '../simulators/face-terminal/shared-photos.ts';
import { streamCheckinPost } from '../test/stream-post.ts';
import { startTestVenue, testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

const PARALLEL = 8;
const BODY_BYTES = 69 * 1024 * 1024;
const MiB = 1024 * 1024;

/** Two-person frames seen as one face by the camera path, before and with the second look; centred single faces looked at twice. */
async function secondFaces(): Promise<BenchRow[]> {
  const engine = await FaceEngine.start();
  try {
    const ids = identities('lfw');
    let frames = 0;
    let seenAsOne = 0;
    let stillOne = 0;
    for (const side of [220, 160, 120, 90])
      for (const [i, a] of ids.entries())
        for (const [j, b] of ids.entries())
          for (const k of [1, 5]) {
            if (i === j) continue;
            const frame = await cameraFrame([photo('lfw', a, k), photo('lfw', b, k + 1)], side);
            const analysis = await engine.analyze(frame, 'frame', undefined, 'camera');
            frames++;
            if (analysis.faces.length !== 1) continue;
            seenAsOne++;
            const second = worthASecondLook(analysis) ? await engine.analyze(frame, 'frame') : null;
            if (!second || second.faces.length < 2) stillOne++;
          }
    let singles = 0;
    let looked = 0;
    for (const id of ids)
      for (const k of [1, 5, 9]) {
        const analysis = await engine.analyze(await cameraFrame([photo('lfw', id, k)]), 'frame', undefined, 'camera');
        singles++;
        if (worthASecondLook(analysis)) looked++;
      }
    const row = (metric: string, value: string): BenchRow => ({ area: 'checkin-terminal', metric, value, unit: '' });
    return [
      row('two-person frames seen as one face (Tiny, SSD when Tiny sees 0 or 2+)', `${seenAsOne} of ${frames}`),
      row('… still seen as one with the second look (small, edge, off-centre face)', `${stillOne} of ${frames}`),
      row('single centred kiosk faces given the extra SSD pass', `${looked} of ${singles}`),
    ];
  } finally {
    await engine.close();
  }
}

export async function run(): Promise<BenchRow[]> {
  return [...(await uploads()), ...(await secondFaces())];
}

async function uploads(): Promise<BenchRow[]> {
  const edge = await startTestVenue({ venue: testVenue('qinshui') });
  const rows: BenchRow[] = [];
  try {
    const { terminals } = edge.services.checkin;
    const { credential } = terminals.pair(terminals.issuePairingCode('bench-kiosk', 'bench').pairingCode)!;
    for (const [who, headers] of [
      ['enrolled terminal', { authorization: `Terminal ${credential}` }],
      ['anonymous', {}],
    ] as const) {
      const before = process.memoryUsage().rss;
      let peak = before;
      let healthMax = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, process.memoryUsage().rss);
          const t = performance.now();
          await fetch(`${edge.httpUrl}/health`).then((r) => r.arrayBuffer());
          healthMax = Math.max(healthMax, performance.now() - t);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const answers = await Promise.all(
        Array.from(
          { length: PARALLEL },
          () => streamCheckinPost(`${edge.httpUrl}/api/checkin/face`, headers, BODY_BYTES).answered,
        ),
      );
      sampling = false;
      await sampler;
      const counts = new Map<number, number>();
      for (const a of answers) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
      const statuses = [...counts].map(([status, n]) => `${n} × ${status}`).join(', ');
      const sent = Math.max(...answers.map((a) => a.sent));
      rows.push(
        {
          area: 'checkin-terminal',
          metric: `${who}: ${PARALLEL} × 69 MB bodies answered`,
          value: statuses,
          unit: 'HTTP',
        },
        {
          area: 'checkin-terminal',
          metric: `${who}: most of one body sent before the answer`,
          value: sent / MiB,
          unit: 'MiB',
          target: `body limit ≈ ${((edge.services.checkin.limits.frameBytes * 5 * 4) / 3 / MiB).toFixed(1)} MiB`,
        },
        {
          area: 'checkin-terminal',
          metric: `${who}: edge RSS growth (peak − before) / bytes offered`,
          value: `${((peak - before) / MiB).toFixed(0)} / ${((PARALLEL * BODY_BYTES) / MiB).toFixed(0)}`,
          unit: 'MiB',
          target: 'bounded by the limit, not the bodies',
        },
        { area: 'checkin-terminal', metric: `${who}: /health during the uploads, max`, value: healthMax, unit: 'ms' },
      );
    }
  } finally {
    await edge.stop();
  }
  return rows;
}
