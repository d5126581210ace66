// Exporting and verifying the evidence package of a 4-hour session filmed by 8 cameras (10-second segments
// over the session and its 5-minute margins: 11,999) with 10,000 events in the record, half of them the
// session's. Segments are 8 KB of filler to spare the shared machine's memory and disk: the figures are the
// package's own work (proofs, hashes, zip, signature); with real footage hashing and writing grow with its size.
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { ensureDashboardsBuilt } from '../dashboards/build.ts';
import { buildFixture, SESSION } from '../edge/evidence/evidence-fixture.ts';
import { exportEvidence } from '../edge/evidence/export-evidence.ts';
import { verifyEvidence } from '../edge/evidence/verify-evidence.ts';
import type { BenchRow } from './types.ts';

const area = 'evidence';

export async function run(): Promise<BenchRow[]> {
  await ensureDashboardsBuilt(); // the package carries verify.html, built with the pages
  const fixture = buildFixture({ cameras: 8, hours: 4, segmentSeconds: 10, segmentBytes: 8192, checkins: 5000 });
  try {
    let t = performance.now();
    const { zip, manifest } = await exportEvidence(fixture.source, SESSION, 'bench');
    const exportMs = performance.now() - t;
    const file = join(fixture.dir, 'package.zip');
    writeFileSync(file, zip);
    t = performance.now();
    const verdict = await verifyEvidence(new Map(Object.entries(unzipSync(zip))));
    const verifyMs = performance.now() - t;
    if (!verdict.ok) throw new Error(`package does not verify: ${verdict.findings[0]?.message}`);
    return [
      { area, metric: 'session events in the package', value: manifest.events.length, unit: 'events' },
      { area, metric: 'footage segments (8 cameras × 4 h)', value: manifest.footage.length, unit: 'segments' },
      {
        area,
        metric: 'export (proofs, hashes, zip, signed)',
        value: Math.round(exportMs),
        unit: 'ms',
        target: '≤ 60000',
      },
      { area, metric: 'package size', value: Math.round(statSync(file).size / 1024), unit: 'KiB' },
      { area, metric: 'offline verify (Node WebCrypto)', value: Math.round(verifyMs), unit: 'ms', target: '≤ 30000' },
    ];
  } finally {
    fixture.db.close();
    rmSync(fixture.dir, { recursive: true, force: true });
  }
}
