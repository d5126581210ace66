import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { DoorSimulator } from '../../simulators/door/door-simulator.ts';
import { GateSimulator, type PassageSimulator } from '../../simulators/gate/gate-simulator.ts';
import { LockerSimulator } from '../../simulators/locker/locker-simulator.ts';
import { api, eventually, startTestVenue, testVenue } from '../../test/venue-harness.ts';
import { VENUE_UTC_OFFSET_MS } from '../sessions/model.ts';

let edge: VenueRuntime;
const sims: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop().catch(() => {})));
  await edge?.stop();
});

async function connect<T extends PassageSimulator | LockerSimulator>(
  Kind: new (...args: ConstructorParameters<typeof GateSimulator>) => T,
  id: string,
): Promise<T> {
  const d = edge.registry.get(id)!;
  const sim = new Kind(
    { venue: edge.venue.id, kind: d.kind, id, password: edge.deviceCredential(id) },
    { brokerUrl: edge.bus.deviceUrl, heartbeatS: 1, responseTimeoutMs: 1500 },
  );
  sims.push(sim);
  await sim.connect();
  // Online at the edge means subscribed: commands sent from now on reach it.
  await eventually(() => edge.registry.get(id)?.online, Boolean);
  return sim;
}

/** Qinshui (county venue): zone gate, exit gate, two rooms, a locker bank. */
async function venueWithSession(remote?: { hostVenue: string }) {
  edge = await startTestVenue({ venue: testVenue('qinshui') });
  const now = Date.now();
  edge.services.sessions.importSchedule(
    [
      {
        transactionCode: 'QS-1',
        project: { code: 'P', name: '远程异地评标' },
        room: 'room-2',
        start: now - 60_000,
        end: now + 3600_000,
        experts: [{ pseudonym: 'R1', seat: 's1' }],
        staff: [{ id: 'AG-1', role: 'agent' }],
        ...(remote ? { remote } : {}),
      },
    ],
    { source: 'platform' },
  );
  if (edge.services.sessions.get('QS-1')!.state === 'scheduled')
    edge.services.sessions.transition('QS-1', 'checkin-open', { by: 'op' });
}

function checkIn(pseudonym: string, compartment: number) {
  edge.services.sessions.recordCheckin({
    session: 'QS-1',
    pseudonym,
    method: 'manual',
    verifiedBy: 'W-9',
    locker: { bank: 'locker-bank-1', compartment },
  });
}

describe('access control', () => {
  it('lets an expert of a remote session (hosted elsewhere, seated here) in exactly like a local one', async () => {
    await venueWithSession({ hostVenue: 'taiyuan' });
    const gate = await connect(GateSimulator, 'gate-entrance');
    const room = await connect(DoorSimulator, 'door-room-2');
    const lockers = await connect(LockerSimulator, 'locker-bank-1');
    checkIn('R1', 5);
    await eventually(
      () => lockers.assigned.get(5),
      (h) => h === 'R1',
    );
    await lockers.deposit(5);
    await eventually(() => edge.services.access.store.depositOf('R1'), Boolean);
    const atGate = await gate.present({ type: 'face', value: 'R1' }, 'in');
    expect(atGate).toMatchObject({ granted: true });
    await gate.walkThrough(atGate); // location moves on the passage, not on the grant
    expect(await room.present({ type: 'id-card', value: 'R1' }, 'in')).toMatchObject({ granted: true });
    const granted = edge.log.query({ type: 'access.granted' });
    expect(granted.map((e) => [e.session, e.actor, e.method, e.subject, e.data.reason])).toEqual([
      ['QS-1', 'R1', 'face', 'zone-gate', 'checked-in'],
      ['QS-1', 'R1', 'id-card', 'door-room-2', 'session-room'],
    ]);
    // The allow-list of the room door, as an auditor sees it.
    const list = await eventually(
      async () => (await api(edge, '/api/access/allow-lists/door-room-2')).body,
      (l) => l.entries?.some((e: { credential: { value: string } }) => e.credential.value === 'R1'),
    );
    expect(list.freeDirections).toEqual(['out']);
  });

  it('raises an alarm when an expert takes their phone back while their session is evaluating', async () => {
    await venueWithSession();
    const lockers = await connect(LockerSimulator, 'locker-bank-1');
    checkIn('R1', 7);
    await eventually(
      () => lockers.assigned.get(7),
      (h) => h === 'R1',
    );
    await lockers.deposit(7);
    await eventually(() => edge.services.access.store.depositOf('R1'), Boolean);
    // Before evaluation starts, taking the phone back is allowed and raises nothing.
    await lockers.retrieve(7);
    await eventually(
      () => edge.services.access.store.depositOf('R1'),
      (d) => !d,
    );
    expect(edge.alarms.list().filter((a) => a.kind === 'phone-retrieved')).toEqual([]);
    await lockers.deposit(7);
    edge.services.sessions.transition('QS-1', 'in-progress', { by: 'W-9' });
    await lockers.retrieve(7);
    const alarm = await eventually(() => edge.alarms.list().find((a) => a.kind === 'phone-retrieved'), Boolean);
    expect(alarm).toMatchObject({ level: 2, subject: 'R1', session: 'QS-1' });
    expect(alarm!.details).toMatchObject({ bank: 'locker-bank-1', compartment: 7 });
    // Once checked out (签退), the expert takes the phone with them and nothing is raised.
    edge.alarms.resolve(alarm!.id, 'W-9', 'phone handed back');
    await lockers.deposit(7);
    await eventually(() => edge.services.access.store.depositOf('R1'), Boolean);
    expect((await api(edge, '/api/checkin/release', { body: { pseudonym: 'R1' } })).status).toBe(200);
    await lockers.retrieve(7);
    await eventually(
      () => edge.log.query({ type: 'locker.retrieve' }).length,
      (n) => n === 3,
    );
    expect(edge.alarms.list().filter((a) => a.kind === 'phone-retrieved' && a.state !== 'resolved')).toEqual([]);
  });

  it('passes staff by role and schedule, never visitors, and says so', async () => {
    await venueWithSession();
    const gate = await connect(GateSimulator, 'gate-entrance');
    const room1 = await connect(DoorSimulator, 'door-room-1');
    const local = new Date(Date.now() + VENUE_UTC_OFFSET_MS);
    const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    // On duty now, all rooms; and one whose shift is over (or not yet begun).
    const onDuty = { by: 'admin', person: 'OPS-1', role: 'operator', from: '00:00', to: '24:00', allRooms: true };
    expect((await api(edge, '/api/access/staff', { body: onDuty })).body).toMatchObject({
      person: 'OPS-1',
      toMin: 1440,
    });
    const shift = minute >= 120 ? { from: '00:00', to: hhmm(minute - 60) } : { from: hhmm(minute + 60), to: '24:00' };
    await api(edge, '/api/access/staff', { body: { by: 'admin', person: 'OPS-2', role: 'cleaner', ...shift } });
    const bad = await api(edge, '/api/access/staff', { body: { ...onDuty, from: '18:00', to: '08:00' } });
    expect([bad.status, bad.body.error]).toEqual([400, 'to: must be after from']);
    expect((await api(edge, '/api/access/staff', { body: { ...onDuty, from: '25:00' } })).status).toBe(400);

    const card = (value: string) => ({ type: 'staff-card' as const, value });
    const pass = async (sim: PassageSimulator, value: string, direction: 'in' | 'out' = 'in') => {
      const result = await sim.present(card(value), direction);
      if (result.granted) await sim.walkThrough(result);
      return result;
    };
    expect(await pass(gate, 'OPS-1')).toMatchObject({ granted: true });
    expect(await room1.present(card('OPS-1'), 'in')).toMatchObject({ granted: true });
    expect(await gate.present(card('OPS-2'), 'in')).toMatchObject({ granted: false, reason: 'outside-schedule' });
    expect(await pass(gate, 'AG-1')).toMatchObject({ granted: true }); // the session's agent
    expect(await room1.present(card('AG-1'), 'in')).toMatchObject({ granted: false, reason: 'not-this-room' });
    // A badge never issued is refused with an alarm, like any unknown credential.
    expect(await gate.present({ type: 'badge', value: 'badge-77' }, 'in')).toMatchObject({
      reason: 'badge-not-issued',
    });
    expect(await room1.present({ type: 'face', value: 'SOMEONE' }, 'in')).toMatchObject({ reason: 'visitor' });
    expect(edge.alarms.openFor('unauthorised-person', 'badge:badge-77')).toMatchObject({ level: 2 });
    expect(await pass(gate, 'OPS-1', 'out')).toMatchObject({ granted: true });
    expect(await pass(gate, 'OPS-1')).toMatchObject({ granted: true }); // staff come and go

    expect((await api(edge, '/api/access/staff/OPS-2/remove', { body: { by: 'admin' } })).status).toBe(200);
    expect(await gate.present(card('OPS-2'), 'in')).toMatchObject({ reason: 'visitor' });
    const record = (await api(edge, '/api/access/events')).body as { type: string; data: { reason: string } }[];
    expect(record.filter((e) => e.type === 'access.staff-removed')).toHaveLength(1);
    expect(record.filter((e) => e.type === 'access.denied').map((e) => e.data.reason)).toEqual([
      'outside-schedule',
      'not-this-room',
      'badge-not-issued',
      'visitor',
      'visitor',
    ]);
  });

  it('flags an offline decision the allow-list did not allow, once per report', async () => {
    await venueWithSession();
    const gate = await connect(GateSimulator, 'gate-entrance');
    await eventually(() => gate.allowList, Boolean);
    const report = {
      requestId: 'off-1',
      credential: { type: 'face', value: 'NOT-ON-LIST' },
      direction: 'in',
      granted: true,
      decidedAt: Date.now() - 1000,
      allowListVersion: gate.allowList!.version,
    };
    await gate.event('offline-decision', report);
    await gate.event('offline-decision', report); // re-sent after a reconnect
    // off-2 comes after the re-sent off-1 on the same connection and topic, so it is handled after it: once off-2
    // is recorded, a second record of off-1 would be there too.
    await gate.event('offline-decision', { ...report, requestId: 'off-2', granted: false });
    await eventually(
      () => edge.log.query({ type: 'access.offline-decision' }).map((e) => e.data.requestId),
      (ids) => ids.includes('off-2'),
      20_000,
      'the off-2 report',
    );
    const recorded = edge.log.query({ type: 'access.offline-decision' });
    expect(recorded.map((e) => [e.data.requestId, e.data.granted, e.data.consistent])).toEqual([
      ['off-1', true, false],
      ['off-2', false, true],
    ]);
    expect(edge.alarms.openFor('offline-decision-mismatch', 'gate-entrance')).toMatchObject({
      level: 2,
      details: { requestId: 'off-1' },
    });
  });

  it('holds every door open in fire mode, brings late devices into it, and refuses bad operator input', async () => {
    await venueWithSession();
    const gate = await connect(GateSimulator, 'gate-entrance');
    expect((await api(edge, '/api/access/normal-mode', { body: { by: 'op' } })).status).toBe(409);
    expect((await api(edge, '/api/access/settings', { body: { by: 'op', entryWindowMs: 10 } })).body.error).toBe(
      'entryWindowMs: between 1000 and 3600000',
    );
    expect((await api(edge, '/api/access/reentry', { body: { person: 'R1', by: 'W' } })).status).toBe(409);

    const panel = edge.registry.get('fire-panel')!;
    const { FirePanelSimulator } = await import('../../simulators/fire-panel/fire-panel-simulator.ts');
    const fire = new FirePanelSimulator(
      { venue: edge.venue.id, kind: panel.kind, id: panel.id, password: edge.deviceCredential(panel.id) },
      { brokerUrl: edge.bus.deviceUrl, heartbeatS: 1 },
    );
    sims.push(fire);
    await fire.connect();
    await fire.raise('manual-call-point-2');
    await eventually(
      () => gate.mode,
      (m) => m === 'fire-open',
    );
    // A door controller that comes online during the fire is put into fire mode from its state report.
    const room1 = await connect(DoorSimulator, 'door-room-1');
    await eventually(
      () => room1.mode,
      (m) => m === 'fire-open',
    );
    // A pass request that still reaches the edge in fire mode is granted and recorded as such.
    await gate.event('pass-request', {
      requestId: 'fire-1',
      credential: { type: 'face', value: 'X' },
      direction: 'out',
    });
    await eventually(
      () => edge.log.query({ type: 'access.granted' }).at(-1)?.data.reason,
      (r) => r === 'fire-open',
    );
    expect(edge.services.access.mode).toBe('fire-open');
    expect((await api(edge, '/api/access/status')).body).toMatchObject({
      mode: 'fire-open',
      activeFirePanels: ['fire-panel'],
      by: 'system',
    });
  });
});
