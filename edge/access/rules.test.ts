import { describe, expect, it } from 'vitest';
import { loadVenue, venueFile } from '../../config/venue-loader.ts';
import { SessionService } from '../sessions/session-service.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { AccessStore } from './access-store.ts';
import { PendingGrants } from './grants.ts';
import { AccessRules, type Credential, DEFAULT_ACCESS_OPTIONS, type Decision } from './rules.ts';
import { AccessTopology, type Direction } from './topology.ts';

/**
 * The access rules as pure code over a record in memory, with time passed in: the Rules table of
 * docs/sessions-access.md, one case per row. Qinshui: zone gate, room doors, a locker bank.
 */
const venue = loadVenue(venueFile('qinshui'));
const MIN = 60_000;
/** Session S1 starts at T0 (09:00 venue time) in room-1; late-entry and entry windows are 5 minutes. */
const T0 = Date.parse('2026-03-02T09:00:00+08:00');
const at = (minutes: number) => T0 + minutes * MIN;
const face = (value: string): Credential => ({ type: 'face', value });

function bed() {
  const log = new EventLog(openDatabase(':memory:'), venue.id);
  const sessions = new SessionService(log, venue);
  const store = new AccessStore(log);
  const rules = new AccessRules(new AccessTopology(venue), sessions, store, { ...DEFAULT_ACCESS_OPTIONS });
  const session = (id: string, room: string, experts: string[], start = T0) => ({
    id,
    transactionCode: id,
    project: { code: id, name: '项目' },
    room,
    start,
    end: start + 3 * 60 * MIN,
    experts: experts.map((pseudonym) => ({ pseudonym })),
  });
  const report = sessions.importSchedule([session('S1', 'room-1', ['A', 'B']), session('S2', 'room-2', ['C'])], {
    source: 'test',
  });
  expect(report.rejected).toEqual([]);
  for (const id of ['S1', 'S2']) sessions.transition(id, 'checkin-open', { by: 'test' });
  let compartment = 0;
  const checkIn = (p: string, t: number) => {
    sessions.recordCheckin({ session: p === 'C' ? 'S2' : 'S1', pseudonym: p, method: 'manual', at: t });
    compartment++;
    log.append({
      type: 'locker.deposit',
      actor: p,
      subject: 'locker-bank-1',
      at: t,
      data: { bank: 'locker-bank-1', compartment, holder: p },
    });
  };
  const decide = (device: string, credential: Credential, direction: Direction, t: number, sentAt?: number) =>
    rules.decide(device, credential, direction, t, store.mode().mode, sentAt === undefined ? {} : { sentAt });
  /** The door's passage report for a grant: what moves the person. */
  const walk = (d: Decision, t: number) =>
    log.append({
      type: 'access.passage',
      session: d.passage.session,
      actor: 'door',
      at: t,
      data: { device: 'door', door: null, direction: 'in', count: 1, grantId: null, unexpected: 0, ...d.passage },
    });
  const lateDecision = (p: string, approved: boolean, t: number) =>
    log.append({
      type: 'session.late-arrival-decided',
      session: 'S1',
      actor: 'W1',
      subject: p,
      at: t,
      data: { pseudonym: p, approved, note: null },
    });
  return { log, sessions, store, rules, checkIn, decide, walk, lateDecision };
}

type Step =
  | [minute: number, 'check-in']
  | [minute: number, 'approve' | 'refuse']
  | [minute: number, 'gate' | 'room' | 'room-out' | 'other-room', reason: string];

describe('late arrivals: no entry after start + 5 min without a witness (late-needs-witness)', () => {
  const cases: [string, Step[]][] = [
    [
      'on time: checks in, passes the gate, reaches the room',
      [
        [1, 'check-in'],
        [2, 'gate', 'checked-in'],
        [3, 'room', 'session-room'],
      ],
    ],
    [
      'exactly at start + 5 min is still on time',
      [
        [1, 'check-in'],
        [5, 'gate', 'checked-in'],
      ],
    ],
    [
      'late at the gate',
      [
        [1, 'check-in'],
        [5.5, 'gate', 'late-needs-witness'],
      ],
    ],
    [
      'in the zone on time, late at the room door',
      [
        [1, 'check-in'],
        [2, 'gate', 'checked-in'],
        [5.5, 'room', 'late-needs-witness'],
      ],
    ],
    [
      'late, let in by a witness: gate and room, the entry window counting from the decision',
      [
        [1, 'check-in'],
        [6, 'gate', 'late-needs-witness'],
        [7, 'approve'],
        [8, 'gate', 'checked-in'],
        [11, 'room', 'session-room'],
      ],
    ],
    [
      "late at another session's room: wrong room first (its alarm is the more serious)",
      [
        [1, 'check-in'],
        [2, 'gate', 'checked-in'],
        [6, 'other-room', 'wrong-room'],
      ],
    ],
    [
      'late, refused by the witness',
      [
        [1, 'check-in'],
        [7, 'refuse'],
        [8, 'gate', 'late-refused'],
      ],
    ],
    [
      'approved before check-in (held at the terminal), then in',
      [
        [10, 'approve'],
        [11, 'check-in'],
        [12, 'gate', 'checked-in'],
        [13, 'room', 'session-room'],
      ],
    ],
    [
      'once in the room, a break later is no late arrival',
      [
        [1, 'check-in'],
        [2, 'gate', 'checked-in'],
        [3, 'room', 'session-room'],
        [20, 'room-out', 'free-exit'],
        [25, 'room', 'session-room'],
      ],
    ],
  ];
  it.each(cases)('%s', (_name, steps) => {
    const b = bed();
    for (const [minute, action, reason] of steps) {
      const t = at(minute);
      if (action === 'check-in') b.checkIn('A', t);
      else if (action === 'approve' || action === 'refuse') b.lateDecision('A', action === 'approve', t);
      else {
        const [device, direction] = {
          gate: ['gate-entrance', 'in'] as const,
          room: ['door-room-1', 'in'] as const,
          'room-out': ['door-room-1', 'out'] as const,
          'other-room': ['door-room-2', 'in'] as const,
        }[action];
        const d = b.decide(device, face('A'), direction, t);
        expect([minute, action, d.reason]).toEqual([minute, action, reason]);
        if (d.granted) b.walk(d, t);
        if (reason === 'late-needs-witness')
          expect(d.alarm).toEqual({
            kind: 'late-arrival',
            level: 2,
            details: { session: 'S1', room: 'room-1', lateAfter: at(5) },
          });
      }
    }
  });

  it('an on-time grant holds only until the late-entry deadline (the gates decide offline from it)', () => {
    const b = bed();
    b.checkIn('A', at(-10));
    expect(b.decide('gate-entrance', face('A'), 'in', at(-9)).until).toBe(at(5));
    b.lateDecision('A', true, at(-8));
    expect(b.decide('gate-entrance', face('A'), 'in', at(-7)).until).toBe(at(180)); // the session's end
  });
});

describe('doors: location moves on the passage; grants expire; stale requests are refused', () => {
  it('a granted expert who does not walk through stays outside and is not locked out by anti-passback', () => {
    const b = bed();
    b.checkIn('A', at(-10));
    const first = b.decide('gate-entrance', face('A'), 'in', at(-9));
    expect(first.reason).toBe('checked-in');
    expect(b.store.presence('A', at(-9))).toBeNull(); // the grant moved nobody
    const again = b.decide('gate-entrance', face('A'), 'in', at(-8));
    expect(again.reason).toBe('checked-in');
    b.walk(again, at(-8));
    expect(b.store.presence('A', at(-8))).toMatchObject({ location: 'zone' });
    expect(b.decide('gate-entrance', face('A'), 'in', at(-7)).reason).toBe('anti-passback');
    // A room door opened but not walked through: no first room entry yet.
    b.decide('door-room-1', face('A'), 'in', at(-7));
    expect(b.store.presence('A', at(-7))).toMatchObject({ location: 'zone', roomEnteredAt: null });
  });

  const stale: [string, number | undefined, 'normal' | 'fire-open', string][] = [
    ['sent 4.9 s ago', -4900, 'normal', 'checked-in'],
    ['sent 6 s ago', -6000, 'normal', 'request-stale'],
    ['sent 10 minutes ago', -10 * MIN, 'normal', 'request-stale'],
    ['device clock 6 s ahead', 6000, 'normal', 'request-stale'],
    ['no device time (allow-list question)', undefined, 'normal', 'checked-in'],
    ['in fire mode everything opens, stale or not', -10 * MIN, 'fire-open', 'fire-open'],
  ];
  it.each(stale)('a pass request %s → %s', (_name, age, mode, reason) => {
    const b = bed();
    b.checkIn('A', at(-10));
    if (mode === 'fire-open')
      b.log.append({
        type: 'access.mode-changed',
        at: at(-9),
        data: { mode: 'fire-open', reason: null, rollCallDue: [] },
      });
    const t = at(-5);
    expect(b.decide('gate-entrance', face('A'), 'in', t, age === undefined ? undefined : t + age).reason).toBe(reason);
  });

  const passage = { person: 'A', session: 'S1', location: 'zone' as const };
  const grants: [string, (g: PendingGrants) => string | null, string | null][] = [
    ['taken by its id within the expiry', (g) => g.take('gate', 'g1', 7_999)?.grantId ?? null, 'g1'],
    ['expired after 8 s', (g) => g.take('gate', 'g1', 8_001)?.grantId ?? null, null],
    ['a sensor naming no grant takes the oldest', (g) => g.take('gate', undefined, 100)?.grantId ?? null, 'g1'],
    ['another door has none', (g) => g.take('door', 'g1', 100)?.grantId ?? null, null],
    [
      'taken once only',
      (g) => {
        g.take('gate', 'g1', 100);
        return g.take('gate', 'g1', 200)?.grantId ?? null;
      },
      null,
    ],
    [
      "a new grant replaces the same person's pending one",
      (g) => {
        g.add('gate', 'g2', passage, 1000);
        return [g.take('gate', 'g1', 1100), g.take('gate', 'g2', 1100)].map((x) => x?.grantId ?? '-').join(',');
      },
      '-,g2',
    ],
  ];
  it.each(grants)('pending grant: %s', (_name, act, expected) => {
    const g = new PendingGrants(DEFAULT_ACCESS_OPTIONS.grantExpiryMs);
    g.add('gate', 'g1', passage, 0);
    expect(act(g)).toBe(expected);
  });
});

describe('unknown credentials are refused with an alarm', () => {
  const cases: [string, Credential, string, string | null][] = [
    ['a badge never issued', { type: 'badge', value: 'badge-77' }, 'badge-not-issued', 'badge:badge-77'],
    ['an unknown face', face('NOBODY'), 'visitor', 'face:NOBODY'],
    ['an unknown staff card', { type: 'staff-card', value: 'X9' }, 'visitor', 'staff-card:X9'],
    ['the badge handed out at check-in', { type: 'badge', value: 'badge-a' }, 'checked-in', null],
  ];
  it.each(cases)('%s', (_name, credential, reason, alarmSubject) => {
    const b = bed();
    b.sessions.recordCheckin({ session: 'S1', pseudonym: 'A', method: 'manual', badge: 'badge-a', at: at(-10) });
    b.log.append({
      type: 'locker.deposit',
      subject: 'locker-bank-1',
      at: at(-10),
      data: { bank: 'locker-bank-1', compartment: 1, holder: 'A' },
    });
    const d = b.decide('gate-entrance', credential, 'in', at(-9));
    expect(d.reason).toBe(reason);
    expect(d.alarm?.subject ?? null).toBe(alarmSubject);
    if (alarmSubject) expect(d.alarm).toMatchObject({ kind: 'unauthorised-person', level: 2 });
  });
});

describe('after a fire: re-entry only after a witness roll call per session (roll-call-pending)', () => {
  it('holds the session caught live until its roll call; who came back re-enters, who did not needs a witness', () => {
    const b = bed();
    for (const p of ['A', 'B', 'C']) b.checkIn(p, at(-10));
    for (const [p, room] of [
      ['A', 'door-room-1'],
      ['B', 'door-room-1'],
      ['C', 'door-room-2'],
    ] as const) {
      b.walk(b.decide('gate-entrance', face(p), 'in', at(-9)), at(-9));
      b.walk(b.decide(room, face(p), 'in', at(-8)), at(-8));
    }
    b.log.append({
      type: 'access.mode-changed',
      at: at(30),
      data: { mode: 'fire-open', reason: null, rollCallDue: ['S1'] },
    });
    expect(b.store.presence('A', at(30))).toMatchObject({ location: 'unknown', roomEnteredAt: at(-8) });
    b.log.append({ type: 'access.mode-changed', at: at(50), data: { mode: 'normal', reason: null } });
    const reasons = (t: number) =>
      [
        b.decide('gate-entrance', face('A'), 'in', t),
        b.decide('door-room-1', face('A'), 'in', t),
        b.decide('door-room-2', face('C'), 'in', t), // S2 had no roll call due
      ].map((d) => d.reason);
    expect(reasons(at(51))).toEqual(['roll-call-pending', 'roll-call-pending', 'session-room']);
    expect(b.store.rollCallsDue()).toEqual(['S1']);

    b.log.append({
      type: 'access.roll-call',
      session: 'S1',
      actor: 'W1',
      at: at(55),
      data: { present: ['A'], absent: ['B'], note: null },
    });
    expect(b.store.rollCallsDue()).toEqual([]);
    // Back at the assembly point, outside: A re-enters through the gate, B left during evaluation.
    expect(b.decide('door-room-1', face('A'), 'in', at(56)).reason).toBe('not-in-zone');
    const gate = b.decide('gate-entrance', face('A'), 'in', at(56));
    expect(gate.reason).toBe('checked-in');
    b.walk(gate, at(56));
    expect(b.decide('door-room-1', face('A'), 'in', at(57)).reason).toBe('session-room');
    expect(b.decide('gate-entrance', face('B'), 'in', at(57)).reason).toBe('reentry-needs-witness');
  });
});
