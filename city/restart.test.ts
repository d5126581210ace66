// The hub restarts mid-stream: venues keep recording and sending while it is stopped, it starts again on the same
// database and port, and it ends holding every event exactly once, each venue's chain intact; the venues' retries
// show in their counters, the events they sent again in the hub's.
import { afterEach, describe, expect, it } from 'vitest';
import { freshStores, STORE_KINDS } from '../test/hub-stores.ts';
import { outboxOver, startTestHub, type TestHub } from '../test/sync-fixture.ts';
import { eventually } from '../test/venue-harness.ts';
import { verifyStoredChain } from './audit.ts';

const VENUES = ['jincheng', 'gaoping', 'qinshui'] as const;

let city: TestHub | null = null;
const venues: Awaited<ReturnType<typeof outboxOver>>[] = [];
let recording: ReturnType<typeof setInterval> | undefined;

afterEach(async () => {
  clearInterval(recording);
  for (const v of venues.splice(0)) await v.close();
  await city?.stop();
  city = null;
});

describe.each(STORE_KINDS)('the hub restarting mid-stream (%s)', (kind) => {
  const nextStore = freshStores(kind);

  it('holds every event once after a stop and a start while three venues send', { timeout: 120_000 }, async () => {
    city = await startTestHub({ store: await nextStore() });
    for (const id of VENUES)
      venues.push(
        await outboxOver(id, city.url, {
          hub: city.hub,
          config: { batchSize: 20, lingerMs: 0, requestTimeoutMs: 2000, retry: { baseMs: 20, maxMs: 100 } },
        }),
      );
    // Each venue records a few events every 10 ms, all along.
    let n = 0;
    recording = setInterval(() => {
      n++;
      for (const v of venues)
        v.log.appendMany(
          Array.from({ length: 3 }, (_, i) => ({ type: 'clock.jumped' as const, data: { byMs: n * 10 + i } })),
        );
    }, 10);
    for (const v of venues) v.outbox.start();
    const { hub } = city;
    await eventually(
      async () => Promise.all(VENUES.map(async (id) => (await hub.head(id)).seq)),
      (heads) => heads.every((seq) => seq >= 60),
      30_000,
      'every venue to have sent some batches',
    );

    // Stopped while batches are in flight; the venues keep recording and retrying.
    const port = Number(new URL(city.url).port);
    const retriesBefore = venues.map((v) => v.outbox.status().counters.retries);
    await city.stop();
    await eventually(
      () => venues.map((v, i) => v.outbox.status().counters.retries - retriesBefore[i]!),
      (more) => more.every((r) => r >= 2),
      30_000,
      'every venue to retry against the stopped hub',
    );
    city = await startTestHub({ dir: city.dir, store: city.store, port });
    const restarted = city.hub;
    // More events after the restart, then the venues stop recording and catch up.
    const resumedAt = n;
    await eventually(
      () => n,
      (now) => now >= resumedAt + 20,
      30_000,
    );
    clearInterval(recording);
    const heads = venues.map((v) => v.log.head.seq);
    await eventually(
      async () => Promise.all(VENUES.map(async (id) => (await restarted.head(id)).seq)),
      (held) => held.every((seq, i) => seq === heads[i]),
      60_000,
      'the restarted hub to hold every venue record',
    );

    for (const [i, id] of VENUES.entries()) {
      const v = venues[i]!;
      const held = await restarted.events(id);
      const local = v.log.query({ limit: 100_000 });
      expect(held.map((e) => e.seq)).toEqual(local.map((e) => e.seq));
      expect(held.map((e) => e.hash)).toEqual(local.map((e) => e.hash));
      expect(await verifyStoredChain(restarted, id)).toEqual({ ok: true, events: local.length });
      // The counters span the restart (they are kept in the store): each event accepted once, nothing refused.
      const counters = await restarted.countersOf(id);
      expect(counters).toMatchObject({ accepted: local.length, rejected: 0 });
      expect(v.outbox.status().counters.retries).toBeGreaterThan(retriesBefore[i]!);
    }
  });
});
