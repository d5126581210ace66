import { describe, expect, it } from 'vitest';
import type { FootageSegment } from '../../../edge/video/footage-replay.ts';
import {
  callAt,
  callSpans,
  cameraAt,
  positionAt,
  type RecordEvent,
  STALE_FIX_MS,
  type TrackPoint,
  zoomed,
} from './replay-timeline.ts';

const T0 = 1_800_000_000_000;
const seg = (id: number, from: number, to: number): FootageSegment => ({
  id,
  start: T0 + from,
  end: T0 + to,
  size: 1,
  sha256: '',
});
/** Two 10 s segments, then a 20 s hole, then one more. */
const SEGMENTS = [seg(1, 0, 10_000), seg(2, 10_000, 20_000), seg(3, 40_000, 50_000)];

describe('replay timeline: every player on one playhead', () => {
  it.each([
    ['start of footage', 0, { id: 1, offsetS: 0 }],
    ['inside the first segment', 4_500, { id: 1, offsetS: 4.5 }],
    ['a segment boundary belongs to the next', 10_000, { id: 2, offsetS: 0 }],
    ['in the hole: nothing recorded', 25_000, null],
    ['the hole ends where footage starts again', 40_000, { id: 3, offsetS: 0 }],
    ['before any footage', -1, null],
    ['after the last segment', 50_000, null],
  ])('%s', (_name, at, want) => {
    const got = cameraAt(SEGMENTS, T0 + at);
    expect(got && { id: got.segment.id, offsetS: got.offsetS }).toEqual(want);
  });

  const event = (seq: number, type: string, subject: string, at: number, data = {}): RecordEvent => ({
    seq,
    type,
    subject,
    at: T0 + at,
    actor: null,
    data,
  });
  const EVENTS = [
    event(1, 'intercom.call-started', 'c1', 0),
    event(2, 'intercom.call-answered', 'c1', 5_000),
    event(3, 'intercom.call-ended', 'c1', 65_000),
    event(4, 'intercom.recording', 'c1', 66_000, { seconds: 60 }),
    // Recorded but its answer is not in the events read: placed to end where it was recorded.
    event(5, 'intercom.recording', 'c2', 200_000, { seconds: 30 }),
  ];

  it('places each call recording from its answer for its length', () => {
    expect(callSpans(EVENTS)).toEqual([
      { call: 'c1', from: T0 + 5_000, to: T0 + 65_000 },
      { call: 'c2', from: T0 + 170_000, to: T0 + 200_000 },
    ]);
  });

  it.each([
    ['before the answer: ringing, nothing recorded', 4_000, null],
    ['answered', 5_000, { call: 'c1', offsetS: 0 }],
    ['a minute later', 64_000, { call: 'c1', offsetS: 59 }],
    ['hung up', 65_000, null],
    ['the second call', 180_000, { call: 'c2', offsetS: 10 }],
  ])('call at the playhead: %s', (_name, at, want) => {
    expect(callAt(callSpans(EVENTS), T0 + at)).toEqual(want);
  });

  const point = (at: number, x: number): TrackPoint => ({ badge: 'b1', at: T0 + at, floor: 'f1', x, y: 0 });
  const TRACK = [point(0, 1), point(1_000, 2), point(2_000, 3), point(100_000, 9)];
  it.each([
    ['before the first fix: nowhere', -1, null],
    ['at a fix', 1_000, 2],
    ['between fixes: the last one', 1_999, 2],
    ['a fix up to STALE_FIX_MS old still counts', 2_000 + STALE_FIX_MS, 3],
    ['older than that: not heard, not shown', 2_001 + STALE_FIX_MS, null],
    ['heard again', 100_500, 9],
  ])('where a person was at the playhead: %s', (_name, at, x) => {
    expect(positionAt(TRACK, T0 + at)?.x ?? null).toBe(x);
  });

  it('zooms around the playhead, no narrower than 20 s, never outside the window', () => {
    const whole = { from: 0, to: 3_600_000 };
    expect(zoomed(whole, whole, 0.5, 1_800_000)).toEqual({ from: 900_000, to: 2_700_000 });
    expect(zoomed({ from: 0, to: 30_000 }, whole, 0.5, 10_000)).toEqual({ from: 0, to: 20_000 });
    expect(zoomed(whole, whole, 0.25, 3_600_000)).toEqual({ from: 2_700_000, to: 3_600_000 });
    expect(zoomed({ from: 0, to: 900_000 }, whole, 8, 0)).toEqual(whole);
  });
});
