// A busy venue's record as the city hub receives it, with its rate derived from DESIGN.md's own anchors:
// - a 4-hour session's record is 100,000 events (the replay target), and a busy hall runs three sessions at once
//   (bench/replay.ts sets that session in a record three times its size): 3 × 100,000 / 14,400 s = 20.8 events/s;
// - 16 cameras (the recording target) each add a `video.segment` event every 10 s (the recorder's segment
//   length): 1.6 events/s, all day long;
// so 22.4 events/s through the 8 evaluation hours of a day, and 1.6 events/s outside them.
// Everything in the record goes up (the chain must), each event as its redacted view (upstream-projection.ts):
// zone moves and door decisions as ids only, segments withheld down to seq, time, type and hash. Raw badge
// positions are not events at all (tracking/trajectories.db) and never reach the sync outbox.
import type { EventInput } from '../../edge/store/event-log.ts';
import { doorDecision } from '../event-log.ts';

const SESSION_EVENTS_PER_4H = 100_000;
const SESSIONS_AT_ONCE = 3;
const CAMERAS = 16;
const SEGMENT_S = 10;
const EVALUATION_HOURS_PER_DAY = 8;

/** Session events (zone moves, doors, check-ins, alarms…) a second while three sessions run. */
export const SESSION_RATE = (SESSIONS_AT_ONCE * SESSION_EVENTS_PER_4H) / (4 * 3600);
/** Video segment events a second, day and night. */
export const SEGMENT_RATE = CAMERAS / SEGMENT_S;
/** A busy venue's whole record rate during evaluation hours. */
export const BUSY_RATE = SESSION_RATE + SEGMENT_RATE;
/** What one busy day adds to a venue's record (and so to the hub). */
export const EVENTS_PER_VENUE_DAY = EVALUATION_HOURS_PER_DAY * 3600 * SESSION_RATE + 24 * 3600 * SEGMENT_RATE;

/** One session event in this many is a marker (as in bench/replay.ts); the rest are zone moves. */
const MARKER_EVERY = 50;

const MARKERS: ((i: number, person: string, session: string) => EventInput)[] = [
  (i, person) => doorDecision(i, person),
  (_i, _person, session) => ({
    type: 'access.passage',
    session,
    actor: 'door-room-2',
    subject: 'door-room-2',
    data: { device: 'door-room-2', door: 'door-room-2', direction: 'in', count: 1, grantId: null, unexpected: 0 },
  }),
  (_i, person, session) => ({
    type: 'checkin.accepted',
    session,
    actor: person,
    method: 'id-card+face',
    subject: person,
    data: { pseudonym: person, verifiedBy: 'face-1', seat: 's3', badge: 'badge-3', locker: null },
  }),
  (i, person, session) => ({
    type: 'locker.deposit',
    session,
    actor: person,
    subject: 'locker-a',
    data: { bank: 'locker-a', compartment: i % 40, holder: person },
  }),
  (i, person, session) => ({
    type: 'alarm.raised',
    session,
    subject: person,
    actor: 'system',
    data: { alarmId: `a-${i}`, kind: 'left-zone', level: 2, details: { zone: 'eval-zone' } },
  }),
];

/** The i-th session event of a busy hour: mostly zone moves of the experts of three sessions. */
export function sessionEvent(i: number): EventInput {
  const person = `EX-${i % 27}`;
  const session = `S-2026-${(i % SESSIONS_AT_ONCE) + 1}`;
  if (i % MARKER_EVERY === 0) return MARKERS[(i / MARKER_EVERY) % MARKERS.length]!(i, person, session);
  return {
    type: i % 2 ? 'tracking.zone-left' : 'tracking.zone-entered',
    session,
    actor: person,
    method: 'rtls-badge',
    subject: `badge-${i % 27}`,
    data: {
      zone: `room-${(i % SESSIONS_AT_ONCE) + 1}`,
      zoneType: 'evaluation-room',
      badge: `badge-${i % 27}`,
      person,
      enteredAt: 1_767_000_000_000 + i,
    },
  };
}

/** The i-th video segment of the venue's 16 cameras. */
export function segmentEvent(i: number): EventInput {
  const camera = `cam-${(i % CAMERAS) + 1}`;
  const start = 1_767_000_000_000 + Math.floor(i / CAMERAS) * SEGMENT_S * 1000;
  return {
    type: 'video.segment',
    subject: camera,
    actor: 'system',
    data: {
      camera,
      start,
      end: start + SEGMENT_S * 1000,
      size: 4_200_000,
      sha256: 'a'.repeat(64),
      codec: 'h264',
      file: `${camera}/${start}.mp4`,
      run: 'r1',
    },
  };
}

/** How many of each kind a busy venue has recorded `elapsedMs` after it started. */
export function due(elapsedMs: number): { session: number; segments: number } {
  return {
    session: Math.floor((elapsedMs * SESSION_RATE) / 1000),
    segments: Math.floor((elapsedMs * SEGMENT_RATE) / 1000),
  };
}
