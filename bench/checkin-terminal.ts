// npm run bench -- checkin-terminal: what oversize and anonymous uploads cost the edge. Eight parallel 69 MB
// check-in bodies (the size that pushed RSS from 0.8 to 2.8 GB before the limit was sized to frames), streamed
// without a Content-Length so only the edge's counting can stop them, from an enrolled terminal and anonymously:
// how they are answered, how far each got, the edge's RSS growth beside the bytes offered, and /health meanwhile.
import { streamCheckinPost } from '../test/stream-post.ts';
import { startTestVenue, testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

const PARALLEL = 8;
const BODY_BYTES = 69 * 1024 * 1024;
const MiB = 1024 * 1024;

export async function run(): Promise<BenchRow[]> {
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
