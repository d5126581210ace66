// Opening a 4-hour, 8-camera session for replay, as the replay page opens it (replayOpenPaths): the footage
// index of its 8 cameras' 1,440 ten-second segments each (locked to the session), and its markers' events by kind,
// out of a session record of 100,000 events (within a record three times that size), read over HTTP as an auditor,
// signed in. Beside it: the experts' tracks the floor map loads next (8 experts, one point a second for 4 hours).
import { replayOpenPaths } from '../dashboards/console/pages/replay-timeline.ts';
import type { EventInput } from '../edge/store/event-log.ts';
import { authHeaders, startTestVenue, testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

const area = 'replay';
const SESSION = 'BENCH-REPLAY';
const SESSION_EVENTS = 100_000;
const OTHER_EVENTS = 200_000;
/** One session event in this many is a marker (door passage, alarm, check-in…); the rest are zone entries. */
const MARKER_EVERY = 50;
const CAMERAS = 8;
const EXPERTS = 8;
const SEGMENT_MS = 10_000;
const HOURS = 4;
const RUNS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** One event of each kind the replay draws as a marker, with the data its catalogue schema asks for. */
const MARKERS = [
  (_i: number) => ({
    type: 'access.passage' as const,
    data: { device: 'gate-entrance', door: null, direction: 'in' as const, count: 1, grantId: null, unexpected: 0 },
  }),
  (i: number) => ({
    type: 'alarm.raised' as const,
    data: { alarmId: `bench-${i}`, kind: 'held-open' as const, level: 2 as const, details: {} },
  }),
  (i: number) => ({
    type: 'checkin.accepted' as const,
    data: { pseudonym: `E${i}`, verifiedBy: 'ft-entrance', seat: null, badge: null, locker: null },
  }),
  (i: number) => ({
    type: 'intercom.call-started' as const,
    data: {
      callId: `call-${i}`,
      room: 'room-1',
      station: 'ic-room-1',
      direction: 'from-room' as const,
      console: 'console-1',
    },
  }),
  () => ({
    type: 'session.state-changed' as const,
    data: { from: 'in-progress' as const, to: 'suspended' as const, reason: null },
  }),
];

export async function run(): Promise<BenchRow[]> {
  const edge = await startTestVenue({ venue: testVenue('qinshui') });
  try {
    const start = Date.now() - (HOURS + 1) * 3600_000;
    const end = start + HOURS * 3600_000;
    const experts = Array.from({ length: EXPERTS }, (_, i) => ({ pseudonym: `E${i + 1}` }));
    edge.services.sessions.importSchedule(
      [
        {
          id: SESSION,
          transactionCode: SESSION,
          project: { code: 'P-REPLAY', name: '回放基准' },
          room: 'room-1',
          start,
          end,
          experts,
        },
      ],
      { source: 'platform' },
    );
    // The session's events interleaved with two other sessions' as in a busy hall; markers among zone entries.
    const batch: EventInput[] = experts.map(({ pseudonym }, i) => ({
      type: 'tracking.badge-assigned',
      session: SESSION,
      actor: 'bench',
      subject: `badge-${i + 1}`,
      data: { badge: `badge-${i + 1}`, person: pseudonym, role: 'expert' },
      at: start - 60_000,
    }));
    const total = SESSION_EVENTS + OTHER_EVENTS;
    for (let i = 0; i < total; i++) {
      const ours = i % 3 === 0;
      const marker = ours && (i / 3) % MARKER_EVERY === 0;
      batch.push({
        ...(marker
          ? MARKERS[(i / 3 / MARKER_EVERY) % MARKERS.length]!(i)
          : {
              type: 'tracking.zone-entered' as const,
              data: {
                zone: 'room-1',
                zoneType: 'evaluation-room',
                badge: `b${i % 50}`,
                person: 'E1',
                enteredAt: start,
              },
            }),
        session: ours ? SESSION : `OTHER-${i % 3}`,
        actor: 'E1',
        subject: 'room-1',
        at: start + Math.floor((i / total) * HOURS * 3600_000),
      });
      if (batch.length === 10_000) edge.log.appendMany(batch.splice(0));
    }
    edge.log.appendMany(batch);
    const margin = 5 * 60_000;
    for (let c = 1; c <= CAMERAS; c++) {
      const camera = `cam-bench-${c}`;
      for (let t = start; t < end; t += SEGMENT_MS) {
        edge.services.video.index.add({
          camera,
          start: t,
          end: t + SEGMENT_MS,
          size: 2_500_000,
          path: `/bench/${camera}/${t}.mp4`,
          sha256: 'a'.repeat(64),
        });
      }
      // Bound to the session as SessionReplay binds it at completion: replay picks cameras by these locks.
      edge.services.video.index.lock({
        session: SESSION,
        camera,
        from: start - margin,
        to: end + margin,
        until: end + 180 * 86_400_000,
      });
    }
    const { store } = edge.services.tracking;
    for (let e = 1; e <= EXPERTS; e++)
      for (let t = start; t < end; t += 1000)
        store.offer({ badge: `badge-${e}`, at: t, floor: 'f1', x: 10 + e, y: 10 + ((t / 1000) % 20), accuracy: 0.3 });
    store.flush();

    const headers = await authHeaders(edge, 'auditor');
    const get = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${edge.httpUrl}${path}`, { headers });
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      return (await response.json()) as T;
    };
    const paths = replayOpenPaths(SESSION);
    const footage = async () =>
      (await get<{ cameras: { segments: unknown[] }[] }>(paths.footage)).cameras.reduce(
        (n, c) => n + c.segments.length,
        0,
      );
    const markers = async () => (await get<unknown[]>(paths.markers)).length;
    const by = 'test-auditor';
    const tracks = async () => {
      const q = (p: string) => `person=${p}&from=${start - margin}&to=${end + margin}&by=${by}`;
      const all = await Promise.all(
        experts.map(({ pseudonym }) => get<{ points: unknown[] }>(`/api/tracking/trajectories?${q(pseudonym)}`)),
      );
      return all.reduce((n, t) => n + t.points.length, 0);
    };
    const times = { open: [] as number[], footage: [] as number[], markers: [] as number[], tracks: [] as number[] };
    let counts = { segments: 0, markers: 0, points: 0 };
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await Promise.all([footage(), markers()]);
      times.open.push(performance.now() - t);
      t = performance.now();
      const segments = await footage();
      times.footage.push(performance.now() - t);
      t = performance.now();
      const marked = await markers();
      times.markers.push(performance.now() - t);
      t = performance.now();
      const points = await tracks();
      times.tracks.push(performance.now() - t);
      counts = { segments, markers: marked, points };
    }
    return [
      {
        area,
        metric: `open a ${HOURS} h, ${CAMERAS}-camera session: footage index (${counts.segments} segments) + markers (${counts.markers} of ${SESSION_EVENTS} events)`,
        value: median(times.open),
        unit: 'ms',
        target: '≤ 1000 ms',
      },
      {
        area,
        metric: 'footage index alone (GET /api/video/replay/:session)',
        value: median(times.footage),
        unit: 'ms',
      },
      {
        area,
        metric: 'markers alone (GET /api/video/replay/:session/events?kind=…)',
        value: median(times.markers),
        unit: 'ms',
      },
      {
        area,
        metric: `floor map next: ${EXPERTS} experts' tracks (${counts.points} points, GET /api/tracking/trajectories)`,
        value: median(times.tracks),
        unit: 'ms',
      },
    ];
  } finally {
    await edge.stop();
  }
}
