import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackingFixture, type TrackingFixture } from '../../test/tracking-fixture.ts';
import { api, eventually } from '../../test/venue-harness.ts';

let f: TrackingFixture;
let walkedAt: number;
beforeAll(async () => {
  f = await startTrackingFixture({ E1: 'badge-1' });
  walkedAt = Date.now();
  f.sim.walkTo('badge-1', 'room-1/s1');
  await eventually(() => f.sim.arrived('badge-1'), Boolean, 10_000);
  // Sits down: the edge handles a few seconds of fixes from the seat (their own times), and enough positions that
  // a record of every one would show.
  const seatedAt = Date.now();
  await eventually(
    () => [f.edge.services.tracking.positions().find((p) => p.badge === 'badge-1')?.at ?? 0, f.sim.published],
    ([fixAt, published]) => fixAt! >= seatedAt + 2200 && published! > 50,
    30_000,
    'a few seconds of trajectory from the seat',
  );
});
afterAll(async () => f?.stop());

describe('tracking REST', () => {
  it('shows the live map with pseudonyms only, zone occupancy and dwell', async () => {
    const { body: positions } = await api(f.edge, '/api/tracking/positions');
    const me = positions.find((p: { badge: string }) => p.badge === 'badge-1');
    expect(Object.keys(me).sort()).toEqual(
      ['accuracy', 'at', 'badge', 'battery', 'floor', 'person', 'role', 'session', 'x', 'y', 'zones'].sort(),
    );
    expect(me).toMatchObject({ person: 'E1', role: 'expert', session: 'S1', floor: 'f3', battery: 90 });
    expect(me.zones.sort()).toEqual(['eval-zone', 'room-1']);
    expect(Math.hypot(me.x - 11.5, me.y - 35)).toBeLessThan(0.1);

    const { body: occupancy } = await api(f.edge, '/api/tracking/occupancy');
    const room = occupancy.find((z: { zone: string }) => z.zone === 'room-1');
    expect(room.count).toBe(1);
    expect(room.present[0]).toMatchObject({ badge: 'badge-1', person: 'E1', session: 'S1', leftAt: null });
    expect(room.present[0].dwellMs).toBeGreaterThan(2000);

    // Walking in crossed the public hall (left) into the zone: the finished stay has its dwell.
    const { body: stays } = await api(f.edge, '/api/tracking/stays?person=E1&zone=public-hall');
    expect(stays).toHaveLength(1);
    expect(stays[0].dwellMs).toBe(stays[0].leftAt - stays[0].enteredAt);
  });

  it('keeps raw positions out of the record: zone events only', () => {
    const tracking = f.edge.log.query({ typePrefix: 'tracking.', limit: 10_000 });
    expect(f.sim.published).toBeGreaterThan(50);
    expect(tracking.length).toBeLessThan(f.sim.published / 5);
    expect(new Set(tracking.map((e) => e.type))).toEqual(
      new Set(['tracking.configured', 'tracking.zone-entered', 'tracking.zone-left']),
    );
    for (const e of tracking) expect(e.data).not.toHaveProperty('x');
  });

  it('replays a downsampled trajectory by badge or person, and records who looked', async () => {
    const to = Date.now() + 1000;
    const byBadge = await api(
      f.edge,
      `/api/tracking/trajectories?badge=badge-1&from=${walkedAt - 5000}&to=${to}&by=auditor-7`,
    );
    expect(byBadge.status).toBe(200);
    const points = byBadge.body.points as { at: number; x: number }[];
    const seconds = (points.at(-1)!.at - points[0]!.at) / 1000;
    // At most one point per second of fix time, and none missing: the simulator reports every 50 ms.
    for (let i = 1; i < points.length; i++) expect(points[i]!.at - points[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    expect(points.length).toBeGreaterThanOrEqual(Math.floor(seconds));
    const audit = f.edge.log
      .query({ type: 'tracking.trajectory-viewed' })
      .find((e) => e.seq === byBadge.body.auditSeq)!;
    expect(audit).toMatchObject({ actor: 'auditor-7', subject: 'badge-1' });
    expect(audit.data).toMatchObject({ badge: 'badge-1', points: points.length });

    const byPerson = await api(
      f.edge,
      `/api/tracking/trajectories?person=E1&from=${walkedAt - 5000}&to=${to}&by=auditor-7`,
    );
    // The person's track is the badge's since check-in (the same points up to the replay moment).
    const since = f.edge.services.tracking.bindings.get('badge-1')!.since;
    const carried = points.filter((p) => p.at >= since);
    expect(carried.length).toBeGreaterThan(1);
    expect(byPerson.body.points.slice(0, carried.length)).toEqual(carried);
  });

  it('refuses bad queries and bad settings with the field named, and records accepted changes', async () => {
    const noBy = await api(f.edge, '/api/tracking/trajectories?badge=badge-1&from=0&to=10');
    expect(noBy.status).toBe(400);
    expect(noBy.body.message).toMatch(/by/);
    const both = await api(f.edge, '/api/tracking/trajectories?badge=badge-1&person=E1&from=0&to=10&by=a');
    expect(both).toMatchObject({ status: 400, body: { error: 'give exactly one of badge or person' } });
    const bad = await api(f.edge, '/api/tracking/config', {
      method: 'PUT',
      body: { by: 'admin-1', changes: { exitToleranceM: -1 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/exitToleranceM/);
    const ok = await api(f.edge, '/api/tracking/config', {
      method: 'PUT',
      body: { by: 'admin-1', changes: { retentionDays: 3 } },
    });
    expect(ok.body.retentionDays).toBe(3);
    const configured = f.edge.log.query({ type: 'tracking.configured' }).at(-1)!;
    expect(configured).toMatchObject({ actor: 'admin-1', data: { changes: { retentionDays: { from: 7, to: 3 } } } });
  });

  it('a badge given to staff is nobody’s stranger', async () => {
    const r = await api(f.edge, '/api/tracking/badges/badge-40/assign', {
      body: { person: 'W01', role: 'staff', by: 'admin-1' },
    });
    expect(r.body).toMatchObject({ badge: 'badge-40', person: 'W01', role: 'staff' });
    f.sim.place('badge-40', 'witness-room');
    await eventually(
      () =>
        f.edge.services.tracking
          .occupancy()
          .find((z) => z.zone === 'eval-zone')!
          .present.map((p) => p.badge),
      (badges) => badges.includes('badge-40'),
    );
    expect(f.edge.alarms.list({ kind: 'unbound-badge' })).toEqual([]);
    const released = await api(f.edge, '/api/tracking/badges/badge-40/release', { body: { by: 'admin-1' } });
    expect(released.status).toBe(200);
    const again = await api(f.edge, '/api/tracking/badges/badge-40/release', { body: { by: 'admin-1' } });
    expect(again.status).toBe(404);
    // Released while inside: now a badge bound to nobody is in the zone.
    expect(f.edge.alarms.list({ kind: 'unbound-badge' })[0]).toMatchObject({ subject: 'badge-40', level: 3 });
  });

  it('purges trajectory points past retention and records the purge', async () => {
    const store = f.edge.services.tracking.store;
    f.edge.services.tracking.flush();
    const before = store.count();
    expect(before).toBeGreaterThan(0);
    expect(f.edge.services.tracking.purge(Date.now())).toBe(0); // nothing is 3 days old yet
    const purged = f.edge.services.tracking.purge(Date.now() + 4 * 86_400_000);
    expect(purged).toBeGreaterThanOrEqual(before);
    expect(store.count()).toBe(0);
    const event = f.edge.log.query({ type: 'tracking.trajectories-purged' }).at(-1)!;
    expect(event.data).toMatchObject({ points: purged, retentionDays: 3 });
  });
});
