import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../edge/store/database.ts';
import { EventLog } from '../edge/store/event-log.ts';
import { verifyChain } from '../edge/store/verify.ts';
import type { BenchRow } from './types.ts';

const sample = (i: number) => ({
  type: 'door.granted',
  session: 'S-2026-0001',
  actor: 'E-7f3a',
  method: 'id-card+face',
  subject: 'door-room-2',
  data: { requestId: `r${i}`, direction: 'in', grantId: `g${i}` },
});

/** Event-log appends with the hash chain, on a real SQLite file (WAL). */
export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'halledge-bench-log-'));
  const db = openDatabase(join(dir, 'bench.db'));
  const log = new EventLog(db, 'jincheng');
  const batched = 300_000;
  const batch = 1000;
  let t = performance.now();
  for (let i = 0; i < batched; i += batch) log.appendMany(Array.from({ length: batch }, (_, k) => sample(i + k)));
  const batchedRate = batched / ((performance.now() - t) / 1000);

  const single = 50_000;
  t = performance.now();
  for (let i = 0; i < single; i++) log.append(sample(i));
  const singleRate = single / ((performance.now() - t) / 1000);

  t = performance.now();
  const verdict = verifyChain(db);
  const verifyRate = verdict.events / ((performance.now() - t) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return [
    {
      area: 'event log',
      metric: `append, hash chain, ${batch}/transaction`,
      value: Math.round(batchedRate),
      unit: 'events/s',
      target: '≥ 50,000',
    },
    {
      area: 'event log',
      metric: 'append, hash chain, one per transaction',
      value: Math.round(singleRate),
      unit: 'events/s',
    },
    {
      area: 'event log',
      metric: `verify chain (${verdict.events.toLocaleString('en-US')} events)`,
      value: Math.round(verifyRate),
      unit: 'events/s',
    },
  ];
}
