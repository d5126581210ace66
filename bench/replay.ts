// Opening a 4-hour session for replay: its 100,000 events (out of a record three times that size) and its room
// camera's 1,440 ten-second segments (locked to the session), read over HTTP as an auditor, signed in: the footage
// index and the session's whole record, fetched together.
import type { EventInput } from '../edge/store/event-log.ts';
import { authHeaders, startTestVenue, testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

const area = 'replay';
const SESSION = 'BENCH-REPLAY';
const SESSION_EVENTS = 100_000;
const OTHER_EVENTS = 200_000;
const SEGMENT_MS = 10_000;
const HOURS = 4;
const RUNS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchRow[]> {
  const edge = await startTestVenue({ venue: testVenue('qinshui') });
  try {
    const start = Date.now() - (HOURS + 1) * 3600_000;
    const end = start + HOURS * 3600_000;
    edge.services.sessions.importSchedule(
      [
        {
          id: SESSION,
          transactionCode: SESSION,
          project: { code: 'P-REPLAY', name: '回放基准' },
          room: 'room-1',
          start,
          end,
          experts: [{ pseudonym: 'E1' }],
        },
      ],
      { source: 'platform' },
    );
    // Positions-derived and door events of this session, interleaved with two other sessions' as in a busy hall.
    const batch: EventInput[] = [];
    const total = SESSION_EVENTS + OTHER_EVENTS;
    for (let i = 0; i < total; i++) {
      const session = i % 3 === 0 ? SESSION : `OTHER-${i % 3}`;
      batch.push({
        type: 'tracking.zone-entered',
        session,
        actor: 'E1',
        subject: 'room-1',
        data: { zone: 'room-1', zoneType: 'evaluation-room', badge: `b${i % 50}`, person: 'E1', enteredAt: start + i },
        at: start + i,
      });
      if (batch.length === 10_000) edge.log.appendMany(batch.splice(0));
    }
    edge.log.appendMany(batch);
    const cameras = edge.venue.cameras.filter((c) => c.zone === 'room-1');
    for (const camera of cameras) {
      for (let t = start; t < end; t += SEGMENT_MS) {
        edge.services.video.index.add({
          camera: camera.id,
          start: t,
          end: t + SEGMENT_MS,
          size: 2_500_000,
          path: `/bench/${camera.id}/${t}.mp4`,
          sha256: 'a'.repeat(64),
        });
      }
      // Bound to the session as SessionFootage binds it at completion: replay picks cameras by these locks.
      const margin = 5 * 60_000;
      const until = end + 180 * 86_400_000;
      edge.services.video.index.lock({
        session: SESSION,
        camera: camera.id,
        from: start - margin,
        to: end + margin,
        until,
      });
    }
    const headers = await authHeaders(edge, 'auditor');
    const footage = async () => {
      const response = await fetch(`${edge.httpUrl}/api/video/replay/${SESSION}`, { headers });
      if (!response.ok) throw new Error(`footage: HTTP ${response.status}`);
      const body = (await response.json()) as { cameras: { segments: unknown[] }[] };
      return body.cameras.reduce((n, c) => n + c.segments.length, 0);
    };
    // The session's whole record, streamed as NDJSON (GET /api/sessions/:id/record), counted line by line.
    const events = async () => {
      const response = await fetch(`${edge.httpUrl}/api/sessions/${SESSION}/record`, { headers });
      if (!response.ok) throw new Error(`record: HTTP ${response.status}`);
      let lines = 0;
      const reader = response.body!.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        const chunk = Buffer.from(read.value.buffer, read.value.byteOffset, read.value.byteLength);
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      }
      return lines;
    };
    const times = { footage: [] as number[], events: [] as number[], both: [] as number[] };
    let counts = { segments: 0, events: 0 };
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      const segments = await footage();
      times.footage.push(performance.now() - t);
      t = performance.now();
      const read = await events();
      times.events.push(performance.now() - t);
      t = performance.now();
      await Promise.all([footage(), events()]);
      times.both.push(performance.now() - t);
      counts = { segments, events: read };
    }
    return [
      {
        area,
        metric: `open a ${HOURS} h session: footage index (${counts.segments} segments) + its events (${counts.events})`,
        value: median(times.both),
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
        metric: "the session's record alone (GET /api/sessions/:id/record, NDJSON)",
        value: median(times.events),
        unit: 'ms',
      },
    ];
  } finally {
    await edge.stop();
  }
}
