import { afterAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { Point } from '../../config/schema.ts';
import { BadgeSimulator } from '../../simulators/badges/badge-simulator.ts';
import type { DeviceSimulator, SimulatorIdentity, SimulatorOptions } from '../../simulators/device-simulator.ts';
import { GateSimulator } from '../../simulators/gate/gate-simulator.ts';
import { api, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';
import { waitUntil } from '../../test/wait-until.ts';
import type { LoggedEvent } from '../store/event-log.ts';

/**
 * Issue 16 items 2, 3, 8 and 10 played end to end at the Jincheng venue, over MQTT (the positioning engine and the
 * zone gates, each with its own credential) and the console API: small shared zones, time away from the room,
 * the head count at the doors, session end and early check-out with badges still inside, names in free text and
 * in project names, and a planned restart. The rules themselves are tested in alarm-rules.test.ts.
 */
const venue = testVenue('jincheng', 1);
const dataDir = tempDir();
let edge: VenueRuntime;
const sims: DeviceSimulator[] = [];

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop().catch(() => {})));
  await edge?.stop();
});

/** Waits as `waitUntil` does, with this file's limit unless a call gives its own. */
const waitFor = <T>(what: string, check: () => T | Promise<T>, ok: (v: T) => boolean, ms = 15_000) =>
  waitUntil(what, check, ok, ms);

function simulator<T extends DeviceSimulator>(
  make: (identity: SimulatorIdentity, options: SimulatorOptions) => T,
  id: string,
): T {
  const d = edge.registry.get(id)!;
  const sim = make(
    { venue: venue.id, kind: d.kind, id, password: edge.deviceCredential(id) },
    { brokerUrl: edge.bus.deviceUrl, heartbeatS: 1 },
  );
  sims.push(sim);
  return sim;
}

/** Alarms raised after `seq`, as "kind subject level". */
const raisedSince = (seq: number) =>
  edge.log
    .query({ afterSeq: seq, type: 'alarm.raised', limit: 10_000 })
    .map((e) => `${e.data.kind} ${e.subject} ${e.data.level}`);

/** The resolution of the alarm a raise event opened, once it comes. */
const resolution = (raisedEvent: LoggedEvent) =>
  waitFor(
    `${raisedEvent.data.kind} ${raisedEvent.subject} resolved`,
    () =>
      edge.log
        .query({ afterSeq: raisedEvent.seq, type: 'alarm.resolved', limit: 10_000 })
        .find((e) => e.data.alarmId === raisedEvent.data.alarmId),
    Boolean,
  ).then((e) => e!);

const raised = (kind: string, subject: string, afterSeq = 0) =>
  waitFor(
    `${kind} ${subject} raised`,
    () =>
      edge.log
        .query({ afterSeq, type: 'alarm.raised', limit: 10_000 })
        .find((e) => e.subject === subject && e.data.kind === kind),
    Boolean,
  ).then((e) => e!);

// Jincheng: room-1 [10-20]×[28-40], room-2 [22-32]×[28-40], dining [72-82]×[12-20], restroom [82-92]×[12-20];
// the zone gate is at (13, 12), the exit at (70, 12); the public hall below y 12.
const RESTROOM_A: Point = [84, 14];
const RESTROOM_B: Point = [88, 17]; // 5 m from A: beyond the 1.5 m distance rule
const DINING: Point = [76, 16];
const HALL: Point = [70, 6];

describe('an evaluation day at Jincheng: tracking rules (issue 16)', () => {
  let rtls: BadgeSimulator;
  let gateIn: GateSimulator;
  let gateOut: GateSimulator;

  const walk = async (badge: string, to: Point | string) => {
    rtls.walkTo(badge, to);
    await waitFor(`${badge} to arrive`, () => rtls.arrived(badge), Boolean);
  };
  /** To the exit gate, through it on the badge (free egress, counted by the gate), into the public hall. */
  const walkOut = async (badge: string) => {
    await walk(badge, [70, 14]);
    const exit = await gateOut.present({ type: 'badge', value: badge }, 'in');
    expect(exit).toMatchObject({ granted: true });
    await gateOut.walkThrough(exit);
    await walk(badge, HALL);
  };
  const inZone = (badge: string) =>
    edge.services.tracking
      .positions()
      .find((p) => p.badge === badge)
      ?.zones.includes('eval-zone') ?? false;

  it('sets up two sessions in progress with three experts seated, and a head count that agrees', async () => {
    edge = await startTestVenue({ venue, dataDir });
    rtls = simulator((i, o) => new BadgeSimulator(i, o, venue, 100), 'rtls-1');
    gateIn = simulator((i, o) => new GateSimulator(i, o), 'gate-entrance');
    gateOut = simulator((i, o) => new GateSimulator(i, o), 'gate-exit');
    await Promise.all(sims.map((s) => s.connect()));
    rtls.run();

    const now = Date.now();
    const session = (id: string, room: string, name: string, experts: string[]) => ({
      id,
      transactionCode: id,
      project: { code: `P-${id}`, name },
      room,
      start: now - 10 * 60_000,
      end: now + 3 * 3600_000,
      experts: experts.map((pseudonym, i) => ({ pseudonym, seat: `s${i + 1}` })),
    });
    edge.services.sessions.importSchedule(
      [session('S1', 'room-1', '市政道路改造', ['A1', 'A2']), session('S2', 'room-2', '张三旧居修缮工程', ['B1'])],
      { source: 'platform' },
    );
    for (const id of ['S1', 'S2'])
      for (const to of ['checkin-open', 'in-progress'])
        expect(
          (await api(edge, `/api/sessions/${id}/state`, { body: { to, by: 'witness-w' }, role: 'witness' })).status,
        ).toBe(200);
    for (const [pseudonym, seat, s] of [
      ['A1', 'room-1/s1', 'S1'],
      ['A2', 'room-1/s2', 'S1'],
      ['B1', 'room-2/s1', 'S2'],
    ] as const) {
      const badge = `badge-${pseudonym.toLowerCase()}`;
      rtls.place(badge, seat, { speedMps: 25 });
      edge.services.sessions.recordCheckin({ session: s, pseudonym, method: 'id-card+face', badge });
    }
    await waitFor('three badges in the zone', () => ['badge-a1', 'badge-a2', 'badge-b1'].every(inZone), Boolean);
    // Short thresholds for the day (recorded); the venue file's defaults are what the rule tests use.
    const configured = await api(edge, '/api/tracking/config', {
      method: 'PUT',
      body: {
        by: 'admin-1',
        changes: { sharedContactAfterMs: 1500, awayMaxMs: { dining: 1500 }, contactGraceMs: 500, tickMs: 50 },
      },
    });
    expect(configured.status).toBe(200);
    expect(configured.body.awayMaxMs).toMatchObject({ dining: 1500, corridor: 120_000, stairwell: 30_000 });

    // The experts were placed, not walked through the gate: the witness counts heads once, recorded.
    expect(
      (await api(edge, '/api/tracking/population/recount', { body: { by: 'op-1' }, role: 'operator' })).status,
    ).toBe(403);
    const recount = await api(edge, '/api/tracking/population/recount', {
      body: { by: 'witness-w', note: 'morning head count' },
      role: 'witness',
    });
    expect(recount.body).toMatchObject({ zone: 'eval-zone', counted: 3, badges: 3 });
    expect((await api(edge, '/api/tracking/population')).body).toEqual([{ zone: 'eval-zone', counted: 3, badges: 3 }]);
  });

  it('two sessions’ experts in the restroom 5 m apart are in contact; apart, it clears', async () => {
    const before = edge.log.head.seq;
    await Promise.all([walk('badge-a1', RESTROOM_A), walk('badge-b1', RESTROOM_B)]);
    const alarm = await raised('cross-session-contact', 'A1+B1', before);
    expect(alarm.data).toMatchObject({ level: 2, details: { zone: 'restroom', sessions: ['S1', 'S2'] } });
    await Promise.all([walk('badge-a1', 'room-1/s1'), walk('badge-b1', 'room-2/s1')]);
    expect((await resolution(alarm)).data.note).toBe('apart');
  });

  it('an expert lingering in the dining area past its limit is away from the room; back in the room it clears', async () => {
    const before = edge.log.head.seq;
    await walk('badge-a2', DINING);
    const alarm = await raised('away-from-room', 'A2', before);
    expect(alarm.data).toMatchObject({ level: 1, details: { zone: 'dining', zoneType: 'dining', room: 'room-1' } });
    await walk('badge-a2', 'room-1/s2');
    expect((await resolution(alarm)).data.note).toBe('back in the room');
  });

  it('someone through the gate without a badge makes the head count disagree; a witness recount settles it', async () => {
    await api(edge, '/api/tracking/config', {
      method: 'PUT',
      body: { by: 'admin-1', changes: { populationGraceMs: 1500 } },
    });
    const before = edge.log.head.seq;
    await gateIn.walkThrough({ direction: 'in' }, 1); // nobody presented anything: no grant, no badge
    const alarm = await raised('population-mismatch', 'eval-zone', before);
    expect(alarm.data).toMatchObject({ level: 2, details: { counted: 4, badges: 3 } });
    expect(raisedSince(before)).toContain('tailgating zone-gate 2');
    await api(edge, '/api/tracking/population/recount', {
      body: { by: 'witness-w', counted: 3, note: 'visitor escorted out through the fire door' },
      role: 'witness',
    });
    expect((await resolution(alarm)).data.note).toBe('3 counted, 3 badges');
    await api(edge, '/api/tracking/config', {
      method: 'PUT',
      body: { by: 'admin-1', changes: { populationGraceMs: 30_000 } },
    });
  });

  it('names: a notice with an expert’s name is refused naming the field, a template by seat goes out, a project name is masked for roles without names', async () => {
    expect((await api(edge, '/api/people/A1/name', { method: 'PUT', body: { name: '张三' } })).status).toBe(200);
    const named = await api(edge, '/api/displays/notices', {
      body: { target: 'room-1', text: '请专家 张三 到见证室', by: 'witness-w' },
      role: 'witness',
    });
    expect(named.status).toBe(400);
    expect(named.body.error).toMatch(/^text: carries an expert's name/);
    const byPseudonym = await api(edge, '/api/displays/notices', {
      body: {
        target: 'room-1',
        template: 'to-witness-room-by-pseudonym',
        params: { pseudonym: '张三' },
        by: 'witness-w',
      },
      role: 'witness',
    });
    expect(byPseudonym.status).toBe(400);
    expect(byPseudonym.body.error).toMatch(/^params\/pseudonym: /);
    const bySeat = await api(edge, '/api/displays/notices', {
      body: { target: 'room-1', template: 'to-witness-room', params: { seat: 's1' }, by: 'witness-w' },
      role: 'witness',
    });
    expect(bySeat.status).toBe(200);
    expect(bySeat.body.text).toBe('请1号座专家到见证室');
    const displayEvents = edge.log.query({ typePrefix: 'display.', limit: 10_000 });
    expect(JSON.stringify(displayEvents)).not.toContain('张三');

    const project = async (role: 'operator' | 'witness' | 'auditor') => {
      const board = (await api(edge, '/api/console/sessions', { role })).body as {
        id: string;
        project: { name: string };
      }[];
      const one = (await api(edge, '/api/sessions/S2', { role })).body as { project: { name: string } };
      return [board.find((s) => s.id === 'S2')!.project.name, one.project.name];
    };
    expect(await project('operator')).toEqual(['＊＊旧居修缮工程', '＊＊旧居修缮工程']);
    expect(await project('auditor')).toEqual(['＊＊旧居修缮工程', '＊＊旧居修缮工程']);
    expect(await project('witness')).toEqual(['张三旧居修缮工程', '张三旧居修缮工程']);
  });

  it('an early check-out of someone still inside raises nothing; the badge is released when they walk out', async () => {
    const before = edge.log.head.seq;
    const out = await api(edge, '/api/checkin/release', {
      body: { pseudonym: 'B1', by: 'witness-w' },
      role: 'witness',
    });
    expect(out.status).toBe(200);
    expect(edge.services.tracking.bindings.get('badge-b1')).toMatchObject({
      person: 'B1',
      checkedOutAt: expect.any(Number),
    });
    await walkOut('badge-b1');
    const released = await waitFor(
      'badge-b1 released',
      () => edge.log.query({ afterSeq: before, type: 'tracking.badge-released' }),
      (l) => l.length > 0,
    );
    expect(released.map((e) => e.data.reason)).toEqual(['left-zone-after-check-out']);
    const alarms = raisedSince(before);
    expect(alarms.filter((a) => /^(unbound-badge|left-zone) /.test(a))).toEqual([]);
  });

  it('the session’s end with its experts still seated raises no unbound-badge; they keep their badges until they walk out', async () => {
    const before = edge.log.head.seq;
    const ended = await api(edge, '/api/sessions/S1/state', {
      body: { to: 'completed', by: 'witness-w' },
      role: 'witness',
    });
    expect(ended.status).toBe(200);
    await waitFor(
      'both checked out',
      () => edge.log.query({ afterSeq: before, type: 'checkin.released' }).length,
      (n) => n === 2,
    );
    for (const badge of ['badge-a1', 'badge-a2'])
      expect(edge.services.tracking.bindings.get(badge)?.checkedOutAt).toEqual(expect.any(Number));
    for (const badge of ['badge-a1', 'badge-a2']) await walkOut(badge);
    await waitFor(
      'both badges released',
      () => edge.log.query({ afterSeq: before, type: 'tracking.badge-released' }).length,
      (n) => n === 2,
    );
    expect(raisedSince(before).filter((a) => /^(unbound-badge|left-zone) /.test(a))).toEqual([]);
    expect((await api(edge, '/api/tracking/population')).body).toEqual([{ zone: 'eval-zone', counted: 0, badges: 0 }]);
  });

  it('a planned restart raises no device-offline: the devices are back within the grace', async () => {
    const port = Number(new URL(edge.bus.deviceUrl).port);
    const beforeStop = edge.log.head.seq;
    await edge.stop();
    await waitFor(
      'the gates to notice',
      () => gateIn.connected || gateOut.connected,
      (c) => !c,
    );
    const restartedAt = Date.now();
    edge = await startTestVenue({ venue, dataDir, bus: { kind: 'embedded', port, wsPort: 0 } });
    await waitFor(
      'every device heard again',
      () => ['gate-entrance', 'gate-exit', 'rtls-1'].map((id) => edge.registry.get(id)!.lastSeen ?? 0),
      (seen) => seen.every((t) => t > restartedAt),
    );
    // Three missed heartbeats (3 s here) pass with the devices back: still nothing.
    const heartbeatsLater = Date.now() + 3500;
    await waitFor(
      'three heartbeats',
      () => Date.now(),
      (t) => t > heartbeatsLater,
    );
    edge.registry.checkHeartbeats(Date.now());
    expect(edge.log.query({ afterSeq: beforeStop, type: 'device.offline' })).toEqual([]);
    expect(raisedSince(beforeStop).filter((a) => a.startsWith('device-offline'))).toEqual([]);
    expect((await api(edge, '/api/events/verify')).body).toMatchObject({ ok: true });
  });
});
