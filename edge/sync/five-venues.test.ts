// Done-when for upstream sync: the five Jincheng venues forward into one city hub through injected faults, a
// hub restart (stopped while the venues keep recording, started again on the same database) and edge restarts,
// and the hub ends with every event exactly once, in order, signed, with nothing it must not hold.
import { afterAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { verifyStoredChain } from '../../city/audit.ts';
import { scanForbidden } from '../../city/forbidden-scan.ts';
import { JINCHENG_VENUES } from '../../config/venue-loader.ts';
import { configureSync, drawnSchedule, startTestHub, type TestHub } from '../../test/sync-fixture.ts';
import { eventually, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';
import { toUpstream } from './upstream-projection.ts';
import { batchManifest, bodyDigest, type SignedBatch } from './wire.ts';

type VenueId = (typeof JINCHENG_VENUES)[number];
const JPEG = `/9j/4AAQSkZJRgABAQ${'B'.repeat(300)}`;

let city: TestHub | null = null;
const edges = new Map<VenueId, { edge: VenueRuntime; dataDir: string }>();

afterAll(async () => {
  for (const { edge } of edges.values()) await edge.stop();
  await city?.stop();
});

async function start(id: VenueId, dataDir: string): Promise<VenueRuntime> {
  const edge = await startTestVenue({ venue: testVenue(id, 30), dataDir });
  edges.set(id, { edge, dataDir });
  return edge;
}

async function restart(id: VenueId): Promise<VenueRuntime> {
  const { edge, dataDir } = edges.get(id)!;
  await edge.stop();
  return start(id, dataDir);
}

/** An evaluation day's worth of facts, real services where they exist, and data that must never go up. */
function activity(edge: VenueRuntime, round: number): void {
  const { sessions } = edge.services;
  for (const [k, s] of sessions.list().entries()) {
    if (s.state === 'scheduled') sessions.transition(s.id, 'checkin-open', { by: `witness-${edge.venue.id}` });
    for (const [i, expert] of s.experts.entries()) {
      if (sessions.checkinOf(s.id, expert.pseudonym)) continue;
      if ((i + round) % 2) continue;
      sessions.recordCheckin({
        session: s.id,
        pseudonym: expert.pseudonym,
        method: 'id-card+face',
        verifiedBy: 'face-terminal-1',
        badge: `badge-${k * 10 + i + 1}`,
      });
      edge.log.append({
        // checkin.refused carries the method's evidence beside its fields: what must never go up, put there.
        type: 'checkin.refused',
        session: s.id,
        actor: expert.pseudonym,
        data: {
          reason: 'face-mismatch',
          outcome: 'refused',
          verifiedBy: 'face-terminal-1',
          ...{ score: 0.93, idPhoto: JPEG, expertName: '王建国', idNumber: '140502198803150012' },
        },
      });
    }
  }
  edge.log.appendMany(
    Array.from({ length: 20 }, (_, i) =>
      i % 3
        ? // Raw positions are no events (the catalogue refuses x/y); a trajectory view is withheld upstream.
          {
            type: 'tracking.trajectory-viewed' as const,
            subject: `badge-${i}`,
            actor: 'witness-liu',
            data: { badge: `badge-${i}`, person: `EX-${edge.venue.id}-1-1`, from: 0, to: 60_000, points: i },
          }
        : {
            type: 'tracking.zone-entered' as const,
            subject: `badge-${i}`,
            actor: `EX-${edge.venue.id}-1-1`,
            data: {
              zone: 'eval-zone',
              zoneType: 'evaluation-zone',
              badge: `badge-${i}`,
              person: `EX-${edge.venue.id}-1-1`,
              enteredAt: i,
            },
          },
    ),
  );
  edge.alarms.raise({
    kind: round % 2 ? 'left-zone' : 'phone-not-deposited',
    level: 2,
    subject: `EX-${edge.venue.id}-1-${round}`,
    details: { zone: 'eval-zone', expertName: '王建国', x: 3, y: 4, note: '王建国从东门离开' },
  });
}

const fullySynced = async (id: VenueId) => {
  const { edge } = edges.get(id)!;
  const held = (await city!.hub.head(id)).seq;
  return held === edge.log.head.seq && edge.services.sync.outbox!.ackedSeq === edge.log.head.seq;
};
const syncedVenues = async () => {
  const done: VenueId[] = [];
  for (const id of JINCHENG_VENUES) if (await fullySynced(id)) done.push(id);
  return done;
};

describe('five venues syncing into the city hub', () => {
  it('ends with every event exactly once, in order, signed, and nothing forbidden — through faults, an outage and restarts', {
    timeout: 180_000,
  }, async () => {
    city = await startTestHub();
    const { hub } = city;
    // One of each fault for whichever venues come first, then a random share of every request.
    city.faults.inject(
      '*',
      { kind: 'timeout', afterStore: true },
      { kind: 'drop', afterStore: false },
      { kind: 'duplicate-ack' },
      { kind: 'refuse', status: 503, retryAfterS: 0.05 },
      { kind: 'drop', afterStore: true },
      { kind: 'slow', ms: 40 },
    );
    const randomFaults = { rate: 0.25, seed: 20_240_501, slowMs: 40, retryAfterS: 0.05 };
    city.faults.randomly(randomFaults);

    for (const id of JINCHENG_VENUES) {
      const dataDir = tempDir(`halledge-${id}-`);
      configureSync(dataDir, hub, {
        url: city.url,
        enrolToken: await hub.issueEnrolToken(id),
        batchSize: 40,
        requestTimeoutMs: 500,
      });
      await start(id, dataDir);
      await hub.pushSchedule(
        id,
        drawnSchedule(id, { count: 2, remoteFrom: id === 'jincheng' ? undefined : 'jincheng' }),
      );
    }
    for (const id of JINCHENG_VENUES) {
      const s = await eventually(
        () => edges.get(id)!.edge.services.sessions.list().length,
        (n) => n >= 2,
        60_000,
      );
      expect(s, `${id} sessions`).toBeGreaterThanOrEqual(2);
    }
    for (const id of JINCHENG_VENUES) activity(edges.get(id)!.edge, 1);

    // Two edges restart while faults are being injected: once every kind has been, and both have sent batches.
    await eventually(
      async () => ({
        faults: Object.values(city!.faults.injected).every((n) => n > 0),
        sent: await Promise.all(['gaoping', 'lingchuan'].map(async (id) => (await hub.head(id)).seq > 0)),
      }),
      ({ faults, sent }) => faults && sent.every(Boolean),
      60_000,
      'faults injected and batches from gaoping and lingchuan',
    );
    await restart('gaoping');
    await restart('lingchuan');
    for (const id of JINCHENG_VENUES) activity(edges.get(id)!.edge, 2);

    // The hub stops for a while (batches in flight finish or are cut); the venues keep recording.
    const port = Number(new URL(city.url).port);
    const injected = { ...city.faults.injected };
    const retries = () =>
      JINCHENG_VENUES.map((id) => edges.get(id)!.edge.services.sync.outbox!.status().counters.retries);
    const retriedBefore = retries();
    await city.stop();
    for (const id of JINCHENG_VENUES) activity(edges.get(id)!.edge, 3);
    // Down until every venue has found it unreachable and is retrying.
    await eventually(
      retries,
      (now) => now.every((n, i) => n > retriedBefore[i]!),
      30_000,
      'every venue retrying the stopped hub',
    );
    const unacknowledged = JINCHENG_VENUES.filter((id) => {
      const { edge } = edges.get(id)!;
      return edge.services.sync.outbox!.ackedSeq < edge.log.head.seq;
    });
    expect(unacknowledged).toEqual([...JINCHENG_VENUES]);
    // It starts again on the same database and port, and the venues resend what it has not acknowledged.
    city = await startTestHub({ dir: city.dir, store: city.store, port });
    city.faults.randomly(randomFaults);
    const restarted = city.hub;
    await restart('qinshui');
    for (const id of JINCHENG_VENUES) activity(edges.get(id)!.edge, 4);

    const synced = await eventually(syncedVenues, (done) => done.length === 5, 40_000);
    expect(synced).toEqual([...JINCHENG_VENUES]);

    // The faults really happened, and answers lost after storing made venues send events again.
    for (const kind of ['refuse', 'timeout', 'slow', 'duplicate-ack', 'drop'] as const)
      expect(injected[kind] + city.faults.injected[kind], kind).toBeGreaterThan(0);
    const counters = await Promise.all(JINCHENG_VENUES.map((id) => restarted.countersOf(id)));
    expect(counters.reduce((n, c) => n + c.duplicateEvents, 0)).toBeGreaterThan(0);

    for (const id of JINCHENG_VENUES) {
      const { edge } = edges.get(id)!;
      const local = edge.log.query({ limit: 100_000 });
      const held = await restarted.events(id);
      // Exactly once, in order, the venue's own chain.
      expect(held.map((e) => e.seq)).toEqual(local.map((e) => e.seq));
      expect(held.map((e) => e.hash)).toEqual(local.map((e) => e.hash));
      expect(await verifyStoredChain(restarted, id)).toEqual({ ok: true, events: local.length });
      // The upload is the projection of this record (what an auditor with the venue's record can check).
      const key = edge.services.sync.key;
      expect(held.map((e) => e.bodyDigest)).toEqual(local.map((e) => toUpstream(e, key.pseudonymise).bodyDigest));
      expect(scanForbidden(held)).toEqual([]);
      expect(held.filter((e) => e.type === 'tracking.position').every((e) => e.body === null)).toBe(true);
      expect(local.filter((e) => e.type === 'edge.started').length).toBe(
        ['gaoping', 'lingchuan', 'qinshui'].includes(id) ? 2 : 1,
      );
    }
    expect([...hub.violations, ...restarted.violations]).toEqual([]);
    expect((await restarted.events('qinshui')).find((e) => e.session === 'REMOTE-JINCHENG-1')?.body).toMatchObject({
      remote: { hostVenue: 'jincheng' },
    });

    // A tampered batch is rejected and changes nothing.
    city.faults.clear();
    const jincheng = edges.get('jincheng')!.edge;
    const head = jincheng.log.head.seq;
    const batch: SignedBatch = jincheng.services.sync.outbox!.buildBatch(head - 5, 5)!;
    expect(batch.lastSeq).toBe(head);
    const tampered = structuredClone(batch);
    tampered.events[2]!.body = { ...tampered.events[2]!.body, seat: 'r9-s9' };
    tampered.events[2]!.bodyDigest = bodyDigest(tampered.events[2]!);
    expect(tampered.signature).toBe(batch.signature);
    expect(batchManifest(tampered).equals(batchManifest(batch))).toBe(false);
    expect(await restarted.receive(tampered)).toMatchObject({ http: 401, answer: { status: 'rejected' } });
    expect(await restarted.receive(batch)).toMatchObject({ http: 200, answer: { status: 'ack', duplicate: true } });
    expect(await verifyStoredChain(restarted, 'jincheng')).toEqual({ ok: true, events: head });
  });
});
