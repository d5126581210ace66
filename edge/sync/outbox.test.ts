import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyStoredChain } from '../../city/audit.ts';
import { outboxOver, startTestHub, type TestHub } from '../../test/sync-fixture.ts';
import { eventually } from '../../test/venue-harness.ts';
import type { EventInput } from '../store/event-log.ts';
import type { SyncConfig } from './config.ts';
import { SYNC_TARGET } from './outbox.ts';

let city: TestHub;
const venues: Awaited<ReturnType<typeof outboxOver>>[] = [];

beforeEach(async () => {
  city = await startTestHub();
});

afterEach(async () => {
  for (const v of venues.splice(0)) await v.close().catch(() => {});
  await city.stop();
});

const facts = (n: number, from = 0): EventInput[] =>
  Array.from({ length: n }, (_, i) => ({
    type: 'device.online',
    subject: `gate-${from + i}`,
    actor: 'system',
    data: { kind: 'gate', reason: 'status' },
  }));

async function venue(id = 'qinshui', options: { dataDir?: string; config?: Partial<SyncConfig> } = {}) {
  const v = await outboxOver(id, city.http.url, { hub: city.hub, ...options });
  venues.push(v);
  return v;
}

/** Waits until the hub holds the venue's whole record and the outbox knows it. */
async function caughtUp(v: Awaited<ReturnType<typeof venue>>, timeoutMs = 10_000) {
  const done = await eventually(
    async () => v.outbox.ackedSeq === v.log.head.seq && (await city.hub.head(v.log.venue)).seq === v.log.head.seq,
    Boolean,
    timeoutMs,
  );
  expect(done, `the hub holds ${(await city.hub.head(v.log.venue)).seq} of ${v.log.head.seq}`).toBe(true);
}

/** The hub holds every event of the venue exactly once, in order, with the venue's own hashes. */
async function expectExactCopy(v: Awaited<ReturnType<typeof venue>>) {
  const held = await city.hub.events(v.log.venue);
  const local = v.log.query({ limit: 1_000_000 });
  expect(held.map((e) => e.seq)).toEqual(local.map((e) => e.seq));
  expect(held.map((e) => e.hash)).toEqual(local.map((e) => e.hash));
  expect(await verifyStoredChain(city.hub, v.log.venue)).toEqual({ ok: true, events: local.length });
}

describe('outbox over one venue log', () => {
  it('forwards in order, in signed batches no larger than configured, and resumes after a restart', async () => {
    const first = await venue();
    first.log.appendMany(facts(420));
    first.outbox.start();
    await caughtUp(first);
    const batches = await city.hub.batches('qinshui');
    expect(Math.max(...batches.map((b) => b.lastSeq - b.firstSeq + 1))).toBeLessThanOrEqual(50);
    expect(batches[0]!.firstSeq).toBe(1);

    // Down: more events are recorded while the outbox is stopped; on restart it starts right after the ack.
    const { dataDir } = first;
    await first.close();
    venues.splice(venues.indexOf(first), 1);
    const again = await venue('qinshui', { dataDir });
    expect(again.outbox.ackedSeq).toBe(420);
    again.log.appendMany(facts(130, 420));
    again.outbox.start();
    await caughtUp(again);
    expect((await city.hub.countersOf('qinshui')).duplicateEvents).toBe(0);
    expect(again.db.prepare('SELECT acked_seq FROM sync_cursor WHERE target = ?').pluck().get(SYNC_TARGET)).toBe(550);
    await expectExactCopy(again);
  });

  it('keeps each event once when answers are lost, connections drop mid-batch or acknowledgements repeat', async () => {
    const v = await venue();
    city.faults.inject(
      'qinshui',
      { kind: 'timeout', afterStore: true },
      { kind: 'drop', afterStore: false },
      { kind: 'drop', afterStore: true },
      { kind: 'slow', ms: 100 },
      // The next batch is answered with the previous batch's acknowledgement: it must be sent again.
      { kind: 'duplicate-ack' },
      { kind: 'timeout', afterStore: false },
    );
    v.log.appendMany(facts(300));
    v.outbox.start();
    await caughtUp(v);
    const counters = v.outbox.status().counters;
    // Answers lost after storing: those batches came again and were kept once.
    expect((await city.hub.countersOf('qinshui')).duplicateEvents).toBeGreaterThanOrEqual(100);
    expect(counters.duplicates).toBeGreaterThanOrEqual(2);
    expect(counters.staleAcks).toBe(1);
    expect(counters.retries).toBeGreaterThanOrEqual(4);
    expect(city.faults.injected).toMatchObject({ timeout: 2, drop: 2, 'duplicate-ack': 1, slow: 1 });
    await expectExactCopy(v);
  });

  it('slows down when the hub says so: waits Retry-After and halves the batch', async () => {
    const v = await venue('qinshui', { config: { batchSize: 40 } });
    city.faults.inject('qinshui', { kind: 'refuse', status: 503, retryAfterS: 0.3 });
    v.log.appendMany(facts(100));
    const started = Date.now();
    v.outbox.start();
    await eventually(
      () => v.outbox.status().counters.slowDowns,
      (n) => n === 1,
      2000,
    );
    expect(v.outbox.status()).toMatchObject({ state: 'slowed', batchSize: 20 });
    await caughtUp(v);
    const firstStored = (await city.hub.batches('qinshui'))[0]!;
    expect(firstStored.lastSeq - firstStored.firstSeq + 1).toBe(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await expectExactCopy(v);
  });

  it('resends from where the hub is when it lost events (restored from a backup)', async () => {
    const v = await venue();
    v.log.appendMany(facts(120));
    v.outbox.start();
    await caughtUp(v);
    // The hub loses everything after seq 60.
    const { db } = city.hub.store;
    await db.deleteFrom('events').where('venue', '=', 'qinshui').where('seq', '>', 60).execute();
    const held = (await city.hub.events('qinshui', 60, 60))[0]!;
    await db.updateTable('venues').set({ head_seq: 60, head_hash: held.hash }).where('id', '=', 'qinshui').execute();
    v.log.appendMany(facts(10, 120));
    await eventually(
      () => v.outbox.status().counters.gaps,
      (n) => n > 0,
      5000,
    );
    await caughtUp(v);
    expect(v.log.query({ type: 'sync.rewound' })[0]?.data).toEqual({ from: 120, to: 60 });
    await expectExactCopy(v);
  });

  it('raises sync-lag while the hub is unreachable and clears it once caught up', async () => {
    const v = await venue('qinshui', { config: { lagAlarm: { events: 30, seconds: 3600 } } });
    const port = Number(new URL(city.url).port);
    await city.stop();
    v.log.appendMany(facts(40));
    v.outbox.start();
    const raised = await eventually(() => v.alarms.openFor('sync-lag', SYNC_TARGET), Boolean, 3000);
    expect(raised).toMatchObject({ level: 2, state: 'raised' });
    expect(
      await eventually(
        () => v.outbox.status().state,
        (s) => s === 'retrying',
        3000,
      ),
    ).toBe('retrying');
    expect(v.outbox.status().lag.events).toBeGreaterThanOrEqual(40);
    expect(v.outbox.status().lastError).toMatch(/ECONNREFUSED/);

    // The hub comes back on the same port and database.
    city = await startTestHub({ dir: city.dir, store: city.store, port });
    await eventually(
      () => v.alarms.openFor('sync-lag', SYNC_TARGET),
      (a) => a === null,
      5000,
    );
    await caughtUp(v);
    expect(v.alarms.list({ kind: 'sync-lag' })[0]).toMatchObject({ state: 'resolved', resolvedBy: 'system' });
    await expectExactCopy(v);
  });
});
