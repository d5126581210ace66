import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { LockerSimulator } from '../../simulators/locker/locker-simulator.ts';
import type { VenueSimulators } from '../../simulators/venue-simulators.ts';
import { api, eventually, importRunningSession, simulatorsOf, startTestVenue } from '../../test/venue-harness.ts';
import type { CheckinResult } from './checkin-service.ts';

const SESSION = 'QS-OUT-001';
const BANK = 'locker-bank-1';
let edge: VenueRuntime;
let simulators: VenueSimulators;
let bank: LockerSimulator;

type Accepted = Extract<CheckinResult, { accepted: true }>;
const checkIn = async (pseudonym: string) => {
  const r = await api<Accepted>(edge, '/api/checkin/manual', { body: { pseudonym, by: 'witness-w' }, role: 'witness' });
  expect(r.body).toMatchObject({ accepted: true, pseudonym });
  return r.body;
};
const released = () => edge.log.query({ type: 'checkin.released', limit: 1000 });

beforeAll(async () => {
  edge = await startTestVenue();
  simulators = await simulatorsOf(edge, (id) => id === BANK);
  bank = simulators.get(BANK) as LockerSimulator;
  await eventually(() => edge.registry.get(BANK)?.online, Boolean);
  await importRunningSession(edge, {
    id: SESSION,
    transactionCode: 'JC-QS-OUT-001',
    project: { code: 'QSGC-2024-040', name: '沁水县学校改造工程' },
    experts: [{ pseudonym: 'E1' }, { pseudonym: 'E2' }, { pseudonym: 'E3' }],
  });
}, 30_000);

afterAll(async () => {
  await simulators?.stop();
  await edge?.stop();
});

describe('check-out: checkin.released', () => {
  it('REST check-out hands back badge and locker: tracking, the locker bank and the next check-in see it', async () => {
    const first = await checkIn('E1');
    await checkIn('E2');
    expect(first.badge).toBeTruthy();
    expect(first.locker?.bank).toBe(BANK);
    const compartment = first.locker!.compartment;
    await eventually(
      () => bank.assigned.get(compartment),
      (h) => h === 'E1',
    );
    await bank.deposit(compartment);
    await eventually(
      () => edge.services.tracking.bindings.get(first.badge!)?.person,
      (p) => p === 'E1',
    );

    const out = await api(edge, '/api/checkin/release', {
      body: { pseudonym: 'E1', by: 'witness-w' },
      role: 'witness',
    });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ session: SESSION, pseudonym: 'E1', badge: first.badge, reason: 'check-out' });
    const [event] = released();
    expect(event).toMatchObject({
      session: SESSION,
      actor: 'witness-w',
      subject: 'E1',
      data: { pseudonym: 'E1', badge: first.badge, locker: first.locker, reason: 'check-out' },
    });
    // The bank frees the compartment, tracking unbinds the badge, the allocator hands both out again.
    await eventually(
      () => bank.occupied.has(compartment) || bank.assigned.has(compartment),
      (held) => !held,
    );
    expect(bank.occupied.has(compartment) || bank.assigned.has(compartment)).toBe(false);
    expect(edge.services.tracking.bindings.get(first.badge!)).toBeFalsy();
    const next = await checkIn('E3');
    expect(next.badge).toBe(first.badge);
    expect(next.locker).toEqual(first.locker);
  });

  it('refuses a second check-out naming the pseudonym, and a role that may not check people out', async () => {
    const again = await api(edge, '/api/checkin/release', {
      body: { pseudonym: 'E1', by: 'witness-w' },
      role: 'witness',
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/^pseudonym: E1 holds no badge or locker/);
    expect((await api(edge, '/api/checkin/release', { body: { pseudonym: 'E2' }, role: 'operator' })).status).toBe(403);
    const bad = await api(edge, '/api/checkin/release', { body: { by: 'witness-w' }, role: 'witness' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('pseudonym');
    expect(released()).toHaveLength(1);
  });

  it("the session's end checks out everyone still holding a badge or locker, as system", async () => {
    expect((await api(edge, `/api/sessions/${SESSION}/state`, { body: { to: 'in-progress' } })).status).toBe(200);
    const ended = await api(edge, `/api/sessions/${SESSION}/state`, { body: { to: 'completed' } });
    expect(ended.status).toBe(200);
    const all = await eventually(released, (list) => list.length === 3);
    const atEnd = all.slice(1);
    expect(atEnd.map((e) => e.subject).sort()).toEqual(['E2', 'E3']);
    for (const e of atEnd) expect(e).toMatchObject({ actor: 'system', data: { reason: 'session-ended' } });
    const stateChange = edge.log.query({ type: 'session.state-changed', session: SESSION }).at(-1)!;
    expect(atEnd.every((e) => e.seq > stateChange.seq)).toBe(true);
    expect([...edge.services.tracking.bindings.all()].filter((b) => b.session === SESSION)).toEqual([]);
  });
});
