import { describe, expect, it } from 'vitest';
import { distanceToRing, insideRing, ZoneIndex } from '../../config/geometry.ts';
import { loadVenue, venueFile } from '../../config/venue-loader.ts';
import { BadgeFences, FenceEngine, type ZoneTransition } from './fences.ts';

const zones = new ZoneIndex(loadVenue(venueFile('qinshui')));
const options = { exitToleranceM: 1, toleranceTimeoutMs: 2000, exitDelayMs: 500, timeoutMs: 10_000 };

/** Feeds positions (t in ms, x, y) for one badge and returns the transitions as "entered room-1@0" strings. */
function run(steps: [number, number, number][], floor = 'f3', ticks: number[] = []) {
  const engine = new FenceEngine(zones, options);
  const fences = new BadgeFences(zones.zones.length);
  const out: ZoneTransition[] = [];
  const events = [...steps.map((s) => ({ t: s[0], s })), ...ticks.map((t) => ({ t, s: null }))].sort(
    (a, b) => a.t - b.t,
  );
  for (const e of events) {
    if (e.s) engine.update('b', fences, floor, e.s[1], e.s[2], e.t, out);
    else engine.tick('b', fences, e.t, out);
  }
  return out.map((tr) => `${tr.kind} ${tr.zone.id}@${tr.at}${tr.reason ? ` ${tr.reason} leftAt=${tr.leftAt}` : ''}`);
}

describe('geometry', () => {
  it('tests points against a ring and measures the distance to its edge', () => {
    const square = new Float64Array([0, 0, 10, 0, 10, 10, 0, 10]);
    expect(insideRing(square, 5, 5)).toBe(true);
    expect(insideRing(square, 10.5, 5)).toBe(false);
    expect(distanceToRing(square, 12, 5)).toBeCloseTo(2);
    expect(distanceToRing(square, 13, 14)).toBeCloseTo(5);
    expect(zones.containing('f3', 15, 30).sort()).toEqual(['eval-zone', 'room-1']);
    expect(zones.containing('f2', 15, 30)).toEqual([]);
  });
});

describe('fences (omlox tolerance and timeouts)', () => {
  it('enters at once, nested zones too', () => {
    expect(run([[0, 15, 30]])).toEqual(['entered eval-zone@0', 'entered room-1@0']);
  });

  it('does not flap on noise within the exit tolerance', () => {
    // Standing in room-1's doorway (y = 28): fixes alternate 0.6 m outside and inside.
    const noisy: [number, number, number][] = Array.from({ length: 40 }, (_, i) => [i * 100, 15, i % 2 ? 27.4 : 28.3]);
    expect(run(noisy)).toEqual(['entered eval-zone@0', 'entered room-1@0']);
  });

  it('leaves after the tolerance timeout when it lingers just outside', () => {
    const steps: [number, number, number][] = [
      [0, 15, 29],
      ...Array.from({ length: 30 }, (_, i): [number, number, number] => [100 + i * 100, 15, 27.5]),
    ];
    expect(run(steps)).toEqual(['entered eval-zone@0', 'entered room-1@0', 'left room-1@2100 moved leftAt=100']);
  });

  it('leaves beyond the tolerance only after the exit delay, and a fix back inside cancels it', () => {
    expect(
      run([
        [0, 15, 30],
        [100, 15, 25],
        [400, 15, 30],
        [500, 15, 25],
        [1000, 15, 25],
      ]),
    ).toEqual(['entered eval-zone@0', 'entered room-1@0', 'left room-1@1000 moved leftAt=500']);
  });

  it('the exit delay also runs out between fixes, and a silent badge leaves everything at the timeout', () => {
    expect(
      run(
        [
          [0, 15, 30],
          [100, 15, 25],
        ],
        'f3',
        [700, 20_000],
      ),
    ).toEqual([
      'entered eval-zone@0',
      'entered room-1@0',
      'left room-1@700 moved leftAt=100',
      'left eval-zone@20000 timeout leftAt=100',
    ]);
  });

  it('another floor is outside every zone of this one', () => {
    const engine = new FenceEngine(zones, options);
    const fences = new BadgeFences(zones.zones.length);
    const out: ZoneTransition[] = [];
    engine.update('b', fences, 'f3', 15, 30, 0, out);
    engine.update('b', fences, 'f4', 15, 30, 100, out);
    engine.update('b', fences, 'f4', 15, 30, 700, out);
    expect(
      out
        .filter((t) => t.kind === 'left')
        .map((t) => t.zone.id)
        .sort(),
    ).toEqual(['eval-zone', 'room-1']);
  });
});
