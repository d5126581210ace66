import { describe, expect, it } from 'vitest';
import { ZoneIndex } from '../../config/geometry.ts';
import type { Point } from '../../config/schema.ts';
import { loadVenue, venueFile } from '../../config/venue-loader.ts';
import type { RaiseAlarm } from '../alerts/alarms.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { type AlarmSink, type BadgeTrack, TrackingAlarmRules } from './alarm-rules.ts';
import { type BadgeBinding, BadgeBindings } from './bindings.ts';
import { DEFAULT_TRACKING_CONFIG, type TrackingConfig, venueTrackingConfig } from './config.ts';
import { BadgeFences, FenceEngine, type ZoneTransition } from './fences.ts';

// Qinshui (config/venues/qinshui.yaml): room-1 [10-20]×[28-40], room-2 [22-32]×[28-40], the evaluation zone's
// open area (corridor) along y 20-28, dining [24-34]×[12-20], restroom [34-44]×[12-20], stairwell [38-44]×[32-40],
// witness room [8-18]×[12-20]; the locker area [0-8]×[12-20] and the public hall lie outside the zone.
const venue = loadVenue(venueFile('qinshui'));
const zones = new ZoneIndex(venue);
const P = {
  seat1: [15, 35],
  seat2: [27, 35],
  restroomA: [35, 13],
  restroomB: [43, 19], // 10.8 m from restroomA
  stairA: [39, 33],
  stairB: [43, 39],
  lockerA: [1, 13],
  lockerB: [7, 19],
  corridorA: [21, 24],
  corridorB: [30, 24], // 9 m from corridorA
  corridorNear: [22, 24], // 1 m from corridorA
  dining: [28, 16],
  witness: [12, 15],
  hall: [20, 5],
} satisfies Record<string, Point>;

/** Badges b1, b2 (experts E1, E2 of S1 in room-1) and b3 (E3 of S2 in room-2). */
const binding = (badge: string, person: string, session: string, checkedOutAt: number | null = null): BadgeBinding => ({
  badge,
  person,
  role: 'expert',
  session,
  room: null,
  since: 0,
  checkedOutAt,
});
const HOLDERS = [binding('b1', 'E1', 'S1'), binding('b2', 'E2', 'S1'), binding('b3', 'E3', 'S2')];
const ROOMS: Record<string, string> = { S1: 'room-1', S2: 'room-2' };

/** Records what the rules raise and clear, as `+kind subject @t` and `-kind subject @t: why`. */
class Recorder implements AlarmSink {
  readonly lines: string[] = [];
  readonly raised: RaiseAlarm[] = [];
  now = 0;
  raise(a: RaiseAlarm) {
    this.lines.push(`+${a.kind} ${a.subject} @${this.now}`);
    this.raised.push(a);
    return { alarm: null as never, raised: true };
  }
  clear(kind: string, subject: string, why: string) {
    this.lines.push(`-${kind} ${subject} @${this.now}: ${why}`);
    return null;
  }
  list() {
    return [];
  }
}

interface World {
  rules: TrackingAlarmRules;
  alarms: Recorder;
  tracks: Map<string, BadgeTrack>;
  holders: BadgeBinding[];
  states: Record<string, string>;
  /** Positions (null: not heard) at time t, zone transitions fed to the rules, then the rules' tick. */
  step(t: number, where: Record<string, Point | null>): void;
}

/** The venue file's defaults (as a venue starts), with the case's changes. */
function world(config: Partial<TrackingConfig> = {}, holders = HOLDERS, index = zones): World {
  const c: TrackingConfig = { ...DEFAULT_TRACKING_CONFIG, ...venueTrackingConfig(venue), ...config };
  const alarms = new Recorder();
  const states: Record<string, string> = { S1: 'in-progress', S2: 'in-progress' };
  const rules = new TrackingAlarmRules(
    alarms,
    index,
    (id) => (ROOMS[id] ? { room: ROOMS[id], state: states[id]! } : null),
    () => c,
    0,
  );
  const fences = new FenceEngine(index, c);
  const tracks = new Map<string, BadgeTrack>();
  const holderOf = (badge: string) => holders.find((h) => h.badge === badge);
  return {
    rules,
    alarms,
    tracks,
    holders,
    states,
    step(t, where) {
      alarms.now = t;
      const out: ZoneTransition[] = [];
      for (const [badge, p] of Object.entries(where)) {
        if (!p) continue;
        let track = tracks.get(badge);
        if (!track) {
          track = {
            badge,
            fences: new BadgeFences(index.zones.length),
            floor: 'f3',
            x: 0,
            y: 0,
            accuracy: 0.3,
          } as never;
          tracks.set(badge, track!);
        }
        Object.assign(track!, { x: p[0], y: p[1], at: t, heardAt: t, battery: null });
        fences.update(badge, track!.fences, 'f3', p[0], p[1], t, out);
      }
      for (const [badge, track] of tracks) fences.tick(badge, track.fences, t, out);
      for (const tr of out) rules.onTransition(tr, tracks.get(tr.badge)!, holderOf(tr.badge));
      rules.tick(t, holders, (b) => tracks.get(b));
    },
  };
}

interface Case {
  name: string;
  config?: Partial<TrackingConfig>;
  /** Where each badge is at time t (ms), one fix every 500 ms; badges left out sit in their room. */
  where: (t: number) => Record<string, Point>;
  until: number;
  /** Session states from a time on. */
  states?: [number, string, string][];
  holders?: BadgeBinding[];
  zones?: ZoneIndex;
  expected: string[];
}

function play(k: Case): string[] {
  const w = world(k.config, k.holders, k.zones);
  for (let t = 0; t <= k.until; t += 500) {
    for (const [from, session, state] of k.states ?? []) if (t === from) w.states[session] = state;
    w.step(t, { ...SEATED, ...k.where(t) });
  }
  return w.alarms.lines;
}

const S = 1000;
/** Where a badge a case does not move is: in its own room. */
const SEATED: Record<string, Point> = { b1: P.seat1, b2: [17, 35], b3: P.seat2 };

describe('cross-session contact (rule level, injected time)', () => {
  const cases: Case[] = [
    {
      name: 'experts of two sessions 10.8 m apart in the restroom alarm after sharedContactS (10 s) whatever the distance',
      where: () => ({ b1: P.restroomA, b3: P.restroomB }),
      until: 20 * S,
      expected: ['+cross-session-contact E1+E3 @10000'],
    },
    {
      name: 'in the stairwell likewise, and it clears once they are apart for the grace',
      where: (t) => ({ b1: P.stairA, b3: t < 12 * S ? P.stairB : P.corridorB }),
      until: 20 * S,
      // Last together at 12.5 s (b3 is beyond the fence from 12 s, out after the 1 s exit delay); apart > 5 s at 18 s.
      expected: ['+cross-session-contact E1+E3 @10000', '-cross-session-contact E1+E3 @18000: apart'],
    },
    {
      name: 'in the locker area (outside the evaluation zone) likewise',
      where: () => ({ b1: P.lockerA, b3: P.lockerB }),
      until: 12 * S,
      expected: ['+cross-session-contact E1+E3 @10000'],
    },
    {
      name: 'together in the restroom for less than sharedContactS raises nothing',
      where: (t) => ({ b1: P.restroomA, b3: t < 8 * S ? P.restroomB : P.seat2 }),
      until: 30 * S,
      expected: [],
    },
    {
      name: 'two experts of the same session in the restroom raise nothing',
      where: () => ({ b1: P.restroomA, b2: P.restroomB, b3: P.seat2 }),
      until: 30 * S,
      expected: [],
    },
    {
      name: 'a restroom set `shared: open` keeps only the distance rule',
      zones: new ZoneIndex({
        ...venue,
        zones: venue.zones.map((z) => (z.type === 'restroom' ? { ...z, shared: 'open' as const } : z)),
      }),
      where: () => ({ b1: P.restroomA, b3: P.restroomB }),
      until: 20 * S,
      expected: [],
    },
    {
      name: 'in the corridor 9 m apart: no contact',
      where: () => ({ b1: P.corridorA, b3: P.corridorB }),
      until: 70 * S,
      expected: [],
    },
    {
      name: 'in the corridor 1 m apart: the distance rule (1.5 m for 60 s)',
      where: () => ({ b1: P.corridorA, b3: P.corridorNear }),
      until: 70 * S,
      expected: ['+cross-session-contact E1+E3 @60000'],
    },
  ];
  for (const k of cases) it(k.name, () => expect(play(k)).toEqual(k.expected));
});

describe('time away from the room (rule level, injected time)', () => {
  // The venue file's defaults: corridor 120 s, dining 30 s, stairwell 30 s, in all 20 min.
  const cases: Case[] = [
    {
      name: 'the dining area for 40 s during evaluation alarms at 30 s; back in the room it clears',
      where: (t) => ({ b1: t < 40 * S ? P.dining : P.seat1, b3: P.seat2 }),
      until: 50 * S,
      expected: ['+away-from-room E1 @30000', '-away-from-room E1 @40000: back in the room'],
    },
    {
      name: 'a walk along the corridor shorter than its limit raises nothing',
      where: (t) => ({ b1: t < 100 * S ? P.corridorA : P.seat1, b3: P.seat2 }),
      until: 130 * S,
      expected: [],
    },
    {
      name: "the corridor (the evaluation zone's open area) past 120 s",
      where: () => ({ b1: P.corridorA, b3: P.seat2 }),
      until: 130 * S,
      expected: ['+away-from-room E1 @120000'],
    },
    {
      name: 'the stairwell past 30 s',
      where: () => ({ b1: P.stairA, b3: P.seat2 }),
      until: 40 * S,
      expected: ['+away-from-room E1 @30000'],
    },
    {
      name: 'a limit the venue changes applies',
      config: { awayMaxMs: { stairwell: 10 * S } },
      where: () => ({ b1: P.stairA, b3: P.seat2 }),
      until: 40 * S,
      expected: ['+away-from-room E1 @10000'],
    },
    {
      name: 'moving between places restarts the per-place clock, the whole absence still counts',
      config: { awayTotalMaxMs: 150 * S },
      where: (t) => ({ b1: t < 100 * S ? P.corridorA : P.restroomA, b3: P.seat2 }),
      until: 160 * S,
      expected: ['+away-from-room E1 @150000'],
    },
    {
      name: 'the witness room is not away',
      config: { awayTotalMaxMs: 60 * S },
      where: () => ({ b1: P.witness, b3: P.seat2 }),
      until: 100 * S,
      expected: [],
    },
    {
      name: 'while the session is suspended (a break) the dining area is no alarm; back in progress the clock starts',
      states: [
        [0, 'S1', 'suspended'],
        [200 * S, 'S1', 'in-progress'],
      ],
      where: () => ({ b1: P.dining, b3: P.seat2 }),
      until: 240 * S,
      expected: ['+away-from-room E1 @230000'],
    },
    {
      name: 'the session ending clears it',
      states: [[35 * S, 'S1', 'completed']],
      where: () => ({ b1: P.dining, b3: P.seat2 }),
      until: 40 * S,
      expected: ['+away-from-room E1 @30000', '-away-from-room E1 @35000: session not in progress'],
    },
    {
      name: 'an expert who checked out may walk out at their pace',
      holders: [binding('b1', 'E1', 'S1', 0), ...HOLDERS.slice(1)],
      where: () => ({ b1: P.corridorA, b3: P.seat2 }),
      until: 200 * S,
      expected: [],
    },
  ];
  for (const k of cases) it(k.name, () => expect(play(k)).toEqual(k.expected));
});

describe('leaving the zone, and badges at check-out (rule level)', () => {
  const cases: Case[] = [
    {
      name: 'an expert leaving the zone during evaluation raises left-zone; back in, it clears',
      where: (t) => ({ b1: t < 5 * S || t >= 20 * S ? P.seat1 : P.hall, b3: P.seat2 }),
      until: 25 * S,
      expected: ['+left-zone E1 @6000', '-left-zone E1 @20000: returned to the evaluation zone'],
    },
    {
      name: 'one who checked out leaves without an alarm',
      holders: [binding('b1', 'E1', 'S1', 0), ...HOLDERS.slice(1)],
      where: (t) => ({ b1: t < 5 * S ? P.seat1 : P.hall, b3: P.seat2 }),
      until: 25 * S,
      expected: [],
    },
  ];
  for (const k of cases) it(k.name, () => expect(play(k)).toEqual(k.expected));

  it('check-out keeps a badge bound while it is inside the zone; outside, or returned, it is released', () => {
    const log = new EventLog(openDatabase(':memory:'), venue.id);
    const inside = new Set(['b1']);
    const bindings = new BadgeBindings(log, (b) => inside.has(b));
    const released: string[] = [];
    bindings.on('released', (b) => released.push(b.badge));
    for (const [pseudonym, badge] of [
      ['E1', 'b1'],
      ['E2', 'b2'],
    ] as const)
      log.append({
        type: 'checkin.accepted',
        session: 'S1',
        actor: pseudonym,
        data: { pseudonym, badge, verifiedBy: 'W1', seat: null, locker: null },
      });
    const out = (pseudonym: string, badge: string) =>
      log.append({
        type: 'checkin.released',
        session: 'S1',
        actor: 'system',
        data: { pseudonym, badge, locker: null, reason: 'check-out' },
      });
    const e1 = out('E1', 'b1');
    out('E2', 'b2');
    expect(bindings.get('b1')).toMatchObject({ person: 'E1', checkedOutAt: e1.at });
    expect(bindings.get('b2')).toBeUndefined();
    expect(released).toEqual(['b2']);
    // The projection holds it too (a restart reads it back).
    expect(new BadgeBindings(log).get('b1')).toMatchObject({ person: 'E1', checkedOutAt: e1.at });
    log.append({ type: 'tracking.badge-released', actor: 'system', data: { badge: 'b1', reason: 'left' } });
    expect(bindings.get('b1')).toBeUndefined();
    expect(released).toEqual(['b2', 'b1']);
  });
});

describe('head count against badges (rule level, injected time)', () => {
  // [t, counted at the doors, badges inside] → what the rules raise and clear (grace 30 s from the venue file).
  const cases: { name: string; steps: [number, number, number][]; expected: string[] }[] = [
    {
      name: 'agreeing numbers raise nothing',
      steps: [
        [0, 3, 3],
        [60 * S, 3, 3],
      ],
      expected: [],
    },
    {
      name: 'a person without a badge: mismatch past the grace alarms, the recount or their leaving clears it',
      steps: [
        [0, 4, 3],
        [29 * S, 4, 3],
        [30 * S, 4, 3],
        [31 * S, 4, 3],
        [40 * S, 3, 3],
      ],
      expected: ['+population-mismatch eval-zone @30000', '-population-mismatch eval-zone @40000: 3 counted, 3 badges'],
    },
    {
      name: 'a mismatch shorter than the grace (someone between the gate and the next fix) raises nothing',
      steps: [
        [0, 4, 3],
        [20 * S, 4, 4],
        [40 * S, 5, 4],
        [60 * S, 5, 5],
      ],
      expected: [],
    },
    {
      name: 'a badge without its carrier (fewer counted than badges) alarms too',
      steps: [
        [0, 2, 3],
        [30 * S, 2, 3],
      ],
      expected: ['+population-mismatch eval-zone @30000'],
    },
  ];
  for (const k of cases)
    it(k.name, () => {
      const w = world();
      for (const [t, counted, badges] of k.steps) {
        w.alarms.now = t;
        w.rules.population(t, 'eval-zone', counted, badges);
      }
      expect(w.alarms.lines).toEqual(k.expected);
      for (const a of w.alarms.raised) expect(a).toMatchObject({ level: 2, details: { zone: 'eval-zone' } });
    });
});
