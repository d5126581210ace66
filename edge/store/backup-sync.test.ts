import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { CityHub } from '../../city/hub.ts';
import { configureSync, startTestHub } from '../../test/sync-fixture.ts';
import { eventually, startTestVenue, tempDir } from '../../test/venue-harness.ts';
import { defaultKeysDir } from '../keys-dir.ts';
import { backupVenue, restoreVenue } from './backup.ts';

const VENUE = 'qinshui';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function venueAt(dataDir: string): Promise<VenueRuntime> {
  const edge = await startTestVenue({ dataDir });
  stops.push(() => edge.stop());
  return edge;
}

/** Waits until the city hub holds the venue's whole record and the outbox has its acknowledgement. */
function synced(hub: CityHub, edge: VenueRuntime) {
  return eventually(
    async () => ({
      city: (await hub.head(VENUE)).seq,
      head: edge.log.head.seq,
      acked: edge.services.sync.outbox!.ackedSeq,
    }),
    (s) => s.city === s.head && s.acked === s.head,
    30_000,
    'the city hub to hold the record',
  );
}

describe('backup, restore and the city sync', () => {
  it('a restored venue resumes sending where the hub stands: nothing twice, what is new goes up', async () => {
    let city = await startTestHub();
    stops.push(() => city.stop());
    const dataDir = tempDir();
    configureSync(dataDir, city.hub, {
      url: city.url,
      enrolToken: await city.hub.issueEnrolToken(VENUE),
    });
    const edge = await venueAt(dataDir);
    // Each phase's events are told apart by their hashes: a clock reading stands in for any event.
    const appendSome = (log: typeof edge.log, n: number) =>
      Array.from({ length: n }, (_, i) => log.append({ type: 'clock.jumped', actor: 'test', data: { byMs: i } }).hash);
    const beforeBackup = appendSome(edge.log, 30);
    await synced(city.hub, edge);

    const backup = join(tempDir(), 'backup');
    await backupVenue({ dataDir, keysDir: defaultKeysDir(dataDir), to: backup });
    const atBackup = edge.log.head;

    // The venue goes on while the city cannot be reached, then the machine is lost: what it wrote after the
    // backup never reached the city and is gone with it.
    await city.stop();
    const afterBackup = appendSome(edge.log, 5);
    await edge.stop();
    stops.splice(stops.length - 1, 1);
    // The hub comes back at another address, on the same database.
    city = await startTestHub({ dir: city.dir, store: city.store });
    const before = await city.hub.countersOf(VENUE);

    // A fresh machine: the backup restored into empty data and key directories, the city's new address set.
    const restoredData = join(tempDir(), 'data');
    await restoreVenue({ from: backup, dataDir: restoredData, keysDir: defaultKeysDir(restoredData) });
    configureSync(restoredData, city.hub, { url: city.url });
    const restored = await venueAt(restoredData);
    expect(restored.log.head.seq).toBeGreaterThanOrEqual(atBackup.seq);
    const afterRestore = appendSome(restored.log, 7);
    const done = await synced(city.hub, restored);

    // Every event once, the restored record's own: the same hash at every seq on both sides.
    const held = await city.hub.events(VENUE);
    expect(held.map((e) => e.seq)).toEqual(Array.from({ length: done.head }, (_, i) => i + 1));
    const ours = restored.log.query({ limit: Number.MAX_SAFE_INTEGER });
    expect(held.map((e) => e.hash)).toEqual(ours.map((e) => e.hash));
    const heldHashes = new Set(held.map((e) => e.hash));
    expect(beforeBackup.filter((h) => heldHashes.has(h))).toHaveLength(30);
    expect(afterRestore.filter((h) => heldHashes.has(h))).toHaveLength(7);
    expect(afterBackup.filter((h) => heldHashes.has(h))).toEqual([]);
    // Nothing the hub already held was sent again, and nothing was refused.
    const after = await city.hub.countersOf(VENUE);
    expect(after.duplicateEvents - before.duplicateEvents).toBe(0);
    expect(after.rejected - before.rejected).toBe(0);
    expect(after.accepted - before.accepted).toBe(done.head - atBackup.seq);
  }, 120_000);
});
