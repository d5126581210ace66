// The city hub's store: one venue's signed batches taken by the hub (checks and acceptance, in this process), on
// SQLite and on PostgreSQL (a throwaway local cluster, fsync off: the database's CPU, not the disk's speed).
import { CityHub, type StoreConfig } from '../city/hub.ts';
import type { SignedBatch } from '../edge/sync/wire.ts';
import { startPostgres, type TestPostgres } from '../test/postgres.ts';
import { outboxOver } from '../test/sync-fixture.ts';
import { tempDir } from '../test/venue-harness.ts';
import { sample } from './sync.ts';
import type { BenchRow } from './types.ts';

const EVENTS = Number(process.env.HUB_STORE_BENCH_EVENTS ?? 50_000);
const BATCH = 1000;

async function ingest(name: string, store: StoreConfig, venueKey: string, batches: SignedBatch[], pg?: TestPostgres) {
  const hub = await CityHub.open({ store });
  try {
    await hub.registerVenue('jincheng', venueKey);
    const server0 = pg?.cpuSeconds() ?? 0;
    const cpu = process.cpuUsage();
    const t = performance.now();
    for (const b of batches) {
      const { answer } = await hub.receive(b);
      if (answer.status !== 'ack') throw new Error(`${name}: batch ${b.firstSeq}: ${JSON.stringify(answer)}`);
    }
    const seconds = (performance.now() - t) / 1000;
    const used = process.cpuUsage(cpu);
    const rows: BenchRow[] = [
      {
        area: 'hub-store',
        metric: `${name}: ${EVENTS.toLocaleString('en-US')} events in signed batches of ${BATCH}`,
        value: Math.round(EVENTS / seconds),
        unit: 'events/s',
      },
      {
        area: 'hub-store',
        metric: `  … hub CPU per event (checks + store client)`,
        value: (used.user + used.system) / EVENTS,
        unit: 'CPU µs',
      },
    ];
    if (pg)
      rows.push({
        area: 'hub-store',
        metric: '  … PostgreSQL server CPU per event',
        value: ((pg.cpuSeconds() - server0) * 1e6) / EVENTS,
        unit: 'CPU µs',
      });
    return rows;
  } finally {
    await hub.close();
  }
}

export async function run(): Promise<BenchRow[]> {
  const venue = await outboxOver('jincheng', 'http://127.0.0.1:1', {});
  const pg = await startPostgres();
  try {
    for (let i = 0; i < EVENTS; i += 10_000)
      venue.log.appendMany(Array.from({ length: Math.min(10_000, EVENTS - i) }, (_, k) => sample(i + k)));
    const batches: SignedBatch[] = [];
    for (let after = 0; after < EVENTS; after += BATCH) batches.push(venue.outbox.buildBatch(after, BATCH)!);
    const key = venue.key.publicKeyPem;
    return [
      ...(await ingest('SQLite', { sqlite: `${tempDir('halledge-bench-hub-')}/hub.db` }, key, batches)),
      ...(await ingest('PostgreSQL', { postgres: await pg.createDatabase() }, key, batches, pg)),
    ];
  } finally {
    await venue.close();
    await pg.stop();
  }
}
