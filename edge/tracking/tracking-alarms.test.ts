import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alarmEvents,
  FAST,
  startTrackingFixture,
  type TrackingFixture,
  zoneEvents,
} from '../../test/tracking-fixture.ts';
import { eventually } from '../../test/venue-harness.ts';

// One venue for the file; each test uses its own people and badges, so their alarms do not meet.
let f: TrackingFixture;
beforeAll(async () => {
  f = await startTrackingFixture({ E1: 'badge-1', E2: 'badge-2', E3: 'badge-3', E4: 'badge-4' });
});
afterAll(async () => f?.stop());

/** Waits for the alarm's lifecycle to reach `type` and returns its events. */
const lifecycle = (kind: string, subject: string, type: 'alarm.raised' | 'alarm.resolved', ms = 8000) =>
  eventually(
    () => alarmEvents(f.edge, kind, subject),
    (es) => es.some((e) => e.type === type),
    ms,
  );

async function walk(badge: string, to: string | [number, number]) {
  f.sim.walkTo(badge, to);
  await eventually(() => f.sim.arrived(badge), Boolean, 10_000);
  await f.caughtUp(); // the edge has handled the position at the destination
}

// Timer-based rules tick every 50 ms: each alarm must not fire before its threshold, must fire, exactly once, and
// clear when its condition ends. How soon after the threshold is the rules' own tests' (alarm-rules.test.ts, on
// injected time): here a loaded machine's late timers would only measure the machine.
describe('tracking alarms over MQTT', () => {
  it('a stranger badge in the evaluation zone raises one level-3 alarm at entry, on the feed, and clears when it leaves', async () => {
    f.sim.place('badge-20', [13, 5], { speedMps: 20, noiseM: 0.5 });
    await walk('badge-20', [30, 24]);
    const raised = await lifecycle('unbound-badge', 'badge-20', 'alarm.raised');
    const entered = zoneEvents(f.edge, 'badge-20', 'eval-zone').find((e) => e.type === 'tracking.zone-entered')!;
    const alarm = raised.find((e) => e.type === 'alarm.raised')!;
    expect(alarm.data).toMatchObject({ kind: 'unbound-badge', level: 3 });
    // Raised by the position that crossed the gate, right after the zone entry is recorded.
    expect(alarm.seq).toBeGreaterThan(entered.seq);
    // Raised at the rule's first evaluation after the entry, with no dwell: sooner than the shortest configured delay.
    expect(alarm.at - entered.at).toBeLessThan(FAST.exitDelayMs!);
    // And it reaches the console's live feed.
    await eventually(() => f.feed.find((e) => e.seq === alarm.seq), Boolean, 20_000, 'the alarm on the feed');

    // Noise inside the zone does not raise it again: 14 more noisy fixes (700 ms of them) are handled first.
    const noisy = f.fixes('badge-20') + 14;
    await eventually(
      () => f.fixes('badge-20'),
      (n) => n >= noisy,
      20_000,
      'noisy fixes of badge-20',
    );
    await walk('badge-20', [30, 5]);
    const events = await lifecycle('unbound-badge', 'badge-20', 'alarm.resolved');
    expect(events.filter((e) => e.type === 'alarm.raised')).toHaveLength(1);
    const resolved = events.find((e) => e.type === 'alarm.resolved')!;
    expect(resolved.actor).toBe('system');
    expect(resolved.data.note).toBe('left the evaluation zone');
    const left = zoneEvents(f.edge, 'badge-20', 'eval-zone').find((e) => e.type === 'tracking.zone-left')!;
    // Left only once beyond the tolerance for the exit delay, not at the first noisy fix outside.
    expect(left.at - (left.data.leftAt as number)).toBeGreaterThanOrEqual(FAST.exitDelayMs!);
    f.sim.remove('badge-20');
  });

  it('an expert walking into another session’s room raises in-wrong-room once and it clears in their own room', async () => {
    f.sim.place('badge-3', [30, 5], { speedMps: 20 });
    await walk('badge-3', 'room-1/s4');
    const events = await lifecycle('in-wrong-room', 'E3', 'alarm.raised');
    const alarm = events[0]!;
    expect(alarm.session).toBe('S2');
    expect(alarm.data).toMatchObject({
      kind: 'in-wrong-room',
      level: 2,
      details: { room: 'room-1', sessionRoom: 'room-2' },
    });
    const entered = zoneEvents(f.edge, 'badge-3', 'room-1').find((e) => e.type === 'tracking.zone-entered')!;
    expect(entered.actor).toBe('E3');
    // Raised at the rule's first evaluation after the entry, with no dwell: sooner than the shortest configured delay.
    expect(alarm.at - entered.at).toBeLessThan(FAST.exitDelayMs!);

    await walk('badge-3', 'room-2/s1');
    const done = await lifecycle('in-wrong-room', 'E3', 'alarm.resolved');
    expect(done.filter((e) => e.type === 'alarm.raised')).toHaveLength(1);
    expect(done.at(-1)!.data.note).toBe('left room-1');
    // Its own room raises nothing.
    expect(f.edge.alarms.list({ kind: 'in-wrong-room', state: 'open' })).toHaveLength(0);
  });

  it('an expert leaving the zone during evaluation raises left-zone once; returning clears it', async () => {
    f.sim.place('badge-1', 'room-1/s1', { speedMps: 20 });
    await f.inZone('badge-1', 'room-1');
    await walk('badge-1', [20, 5]);
    const events = await lifecycle('left-zone', 'E1', 'alarm.raised');
    const left = zoneEvents(f.edge, 'badge-1', 'eval-zone').find((e) => e.type === 'tracking.zone-left')!;
    expect(left.data).toMatchObject({ reason: 'moved', person: 'E1' });
    expect(events[0]!.seq).toBeGreaterThan(left.seq);
    expect(events[0]!.session).toBe('S1');

    await walk('badge-1', 'room-1/s1');
    const done = await lifecycle('left-zone', 'E1', 'alarm.resolved');
    expect(done.filter((e) => e.type === 'alarm.raised')).toHaveLength(1);
    expect(done.at(-1)!.data.note).toBe('returned to the evaluation zone');
  });

  it('a badge that falls silent raises badge-lost after lostAfterMs, and a position clears it', async () => {
    f.sim.place('badge-2', 'room-1/s2');
    await f.inZone('badge-2', 'room-1');
    expect(alarmEvents(f.edge, 'badge-lost', 'badge-2')).toEqual([]);
    f.sim.silence('badge-2');
    const events = await lifecycle('badge-lost', 'badge-2', 'alarm.raised');
    const alarm = events[0]!;
    const lastHeard = (alarm.data.details as { lastHeardAt: number }).lastHeardAt;
    expect(alarm.at - lastHeard).toBeGreaterThanOrEqual(FAST.lostAfterMs!);
    expect(alarm.data.details).toMatchObject({ person: 'E2' });

    f.sim.silence('badge-2', false);
    const done = await lifecycle('badge-lost', 'badge-2', 'alarm.resolved');
    expect(done.filter((e) => e.type === 'alarm.raised')).toHaveLength(1);
    expect(done.at(-1)!.data.note).toBe('heard again');
  });

  it('low battery raises once when it crosses the threshold and clears after a recharge', async () => {
    f.sim.place('badge-30', [20, 5], { battery: 19, drainPctPerS: 4 });
    const events = await lifecycle('badge-low-battery', 'badge-30', 'alarm.raised');
    const battery = (events[0]!.data.details as { battery: number }).battery;
    expect(battery).toBeLessThanOrEqual(15);
    expect(battery).toBeGreaterThanOrEqual(14);
    // Still draining: the edge handles fixes with a lower battery still, and raises no second alarm for them.
    const battery30 = () => f.edge.services.tracking.positions().find((p) => p.badge === 'badge-30')?.battery ?? 100;
    await eventually(battery30, (b) => b <= battery - 2, 20_000, 'badge-30 draining further');
    f.sim.setBattery('badge-30', 95);
    const done = await lifecycle('badge-low-battery', 'badge-30', 'alarm.resolved');
    expect(done.filter((e) => e.type === 'alarm.raised')).toHaveLength(1);
    f.sim.remove('badge-30');
  });

  it('experts of different sessions together longer than contactAfterMs raise one contact alarm; parting clears it', async () => {
    f.sim.place('badge-1', [28, 16], { speedMps: 20 });
    f.sim.place('badge-4', [28.8, 16.2], { speedMps: 20 });
    const events = await lifecycle('cross-session-contact', 'E1+E4', 'alarm.raised');
    const alarm = events[0]!;
    const since = (alarm.data.details as { since: number }).since;
    expect(alarm.at - since).toBeGreaterThanOrEqual(FAST.contactAfterMs!);
    expect(alarm.data.details).toMatchObject({ persons: ['E1', 'E4'], sessions: ['S1', 'S2'] });

    await walk('badge-4', 'room-2/s2');
    const done = await lifecycle('cross-session-contact', 'E1+E4', 'alarm.resolved');
    expect(done.filter((e) => e.type === 'alarm.raised')).toHaveLength(1);
    expect(done.at(-1)!.data.note).toBe('apart');
  });

  it('a restroom stay longer than restroomMaxMs raises restroom-dwell; leaving clears it', async () => {
    f.sim.place('badge-1', [30, 24], { speedMps: 20 });
    await walk('badge-1', 'restroom');
    const events = await lifecycle('restroom-dwell', 'E1', 'alarm.raised');
    const entered = zoneEvents(f.edge, 'badge-1', 'restroom').find((e) => e.type === 'tracking.zone-entered')!;
    expect(events[0]!.at - entered.at).toBeGreaterThanOrEqual(FAST.restroomMaxMs!);

    await walk('badge-1', [30, 24]);
    const done = await lifecycle('restroom-dwell', 'E1', 'alarm.resolved');
    expect(done.filter((e) => e.type === 'alarm.raised')).toHaveLength(1);
    const stay = f.edge.services.tracking.stays({ zone: 'restroom', person: 'E1' })[0]!;
    expect(stay.dwellMs).toBeGreaterThanOrEqual(FAST.restroomMaxMs!);
  });

  it('checking out inside the zone keeps the badge bound until it walks out: no stranger alarm, no left-zone', async () => {
    f.sim.place('badge-2', 'room-1/s2', { speedMps: 20 });
    f.sim.silence('badge-2', false);
    await f.inZone('badge-2', 'room-1');
    const out = f.edge.log.append({
      type: 'checkin.released',
      session: 'S1',
      actor: 'E2',
      data: { pseudonym: 'E2', badge: 'badge-2', locker: null, reason: 'check-out' },
    });
    expect(f.edge.services.tracking.bindings.get('badge-2')).toMatchObject({ person: 'E2', checkedOutAt: out.at });
    await walk('badge-2', [20, 5]); // out through the zone gate to the public hall
    const released = await eventually(
      () => f.edge.log.query({ afterSeq: out.seq, type: 'tracking.badge-released' }),
      (l) => l.length > 0,
    );
    expect(released.map((e) => [e.actor, e.data.badge, e.data.reason])).toEqual([
      ['system', 'badge-2', 'left-zone-after-check-out'],
    ]);
    expect(f.edge.services.tracking.bindings.get('badge-2')).toBeUndefined();
    const alarms = f.edge.log.query({ afterSeq: out.seq, type: 'alarm.raised' }).map((e) => e.data.kind);
    expect(alarms).not.toContain('unbound-badge');
    expect(alarms).not.toContain('left-zone');
  });

  it('a badge taken back at the console while it is still in the zone is a stranger’s', async () => {
    f.sim.place('badge-1', 'room-1/s1');
    await f.inZone('badge-1', 'room-1');
    f.edge.services.tracking.releaseBadge('badge-1', 'witness-w', 'returned');
    const events = await lifecycle('unbound-badge', 'badge-1', 'alarm.raised');
    expect(events[0]!.data.details).toMatchObject({ releasedFrom: 'E1' });
  });
});
