import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { SessionReplay } from '../../edge/video/footage-replay.ts';
import type { Segment } from '../../edge/video/segment-index.ts';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { api, authHeaders, eventually, startTestVenue, testVenue } from '../../test/venue-harness.ts';

// Pulled over UDP here (the relay serves TCP too, tested in edge/video); 2 s segments so footage shows quickly.
const settings = { camera: { rtspTransport: 'udp' as const }, video: { segmentS: 2 } };

const MARGIN = 5 * 60_000;
const VENUE_FILE = 'cam-room-1'; // qinshui's camera of room-1
const ADOPTED = 'cam-adopted'; // adopted into room-1
const MOBILE = 'cam-mobile'; // adopted into room-2, moved to room-1 while sessions run in both
const farm = new CameraFarm({
  cameras: [VENUE_FILE, ADOPTED, MOBILE].map((id) => ({ id, width: 320, height: 180, fps: 5 })),
  discovery: false,
});
let edge: VenueRuntime;

beforeAll(async () => {
  await farm.start();
  await farm.streamsReady();
  edge = await startTestVenue({ venue: testVenue('qinshui'), settings });
  edge.services.video.record(VENUE_FILE, farm.streamUrl(VENUE_FILE));
  for (const [id, zone] of [
    [ADOPTED, 'room-1'],
    [MOBILE, 'room-2'],
  ] as const) {
    const body = { id, name: `${id} 名称`, zone, xaddr: farm.deviceServiceUrl(id), ...farm.credentials };
    const adopted = await api(edge, '/api/video/adopted', { body });
    if (adopted.status !== 201) throw new Error(`${id} not adopted: ${JSON.stringify(adopted.body)}`);
  }
}, 30_000);
afterAll(async () => {
  await edge?.stop();
  await farm.stop();
});

const footageOf = (camera: string): Segment[] => edge.services.video.timeline(camera, 0, Date.now() + 60_000).segments;

/** Imports a session in `room` scheduled from now for an hour; runs it unless `run` is false. Returns its start. */
function session(id: string, room: string, run = true): number {
  const { sessions } = edge.services;
  const start = Date.now();
  const experts = [{ pseudonym: `EXP-${id}` }];
  sessions.importSchedule(
    {
      sessions: [
        {
          id,
          transactionCode: id,
          project: { code: `P-${id}`, name: '录像回放' },
          room,
          start,
          end: start + 3600_000,
          experts,
        },
      ],
    },
    { source: 'platform' },
  );
  if (run) {
    sessions.transition(id, 'checkin-open', { by: 'WIT-1' });
    sessions.transition(id, 'in-progress', { by: 'WIT-1' });
  }
  return start;
}

const replay = async (id: string) => {
  const answer = await api<SessionReplay>(edge, `/api/video/replay/${id}`, { role: 'auditor' });
  expect(answer.status).toBe(200);
  return answer.body;
};
const cameraOf = (footage: SessionReplay, id: string) => footage.cameras.find((c) => c.id === id)!;
const ids = (segments: { id: number }[]) => segments.map((s) => s.id);

const segmentFile = (sessionId: string, segment: number) =>
  authHeaders(edge, 'auditor').then((headers) =>
    fetch(`${edge.httpUrl}/api/video/replay/${sessionId}/segments/${segment}`, { headers }),
  );

describe("a session's footage replay lists every camera bound to it", () => {
  it('adopted cameras and a camera moved in mid-session appear with the range locked to the session', async () => {
    const start1 = session('QS-REPLAY-1', 'room-1');
    const start2 = session('QS-REPLAY-2', 'room-2');
    await eventually(
      () => footageOf(MOBILE).filter((s) => s.lockedSession === 'QS-REPLAY-2'),
      (s) => s.length >= 2,
      20_000,
    );

    // The mobile camera moves from room-2 into room-1 while both sessions run.
    const moved = await api(edge, `/api/video/adopted/${MOBILE}`, { method: 'PATCH', body: { zone: 'room-1' } });
    expect(moved.status).toBe(200);
    const since = moved.body.zoneSince as number;
    await eventually(
      () => footageOf(MOBILE).filter((s) => s.start >= since),
      (s) => s.length >= 2,
      20_000,
    );

    // While room-1's session runs, the moved camera is its from the move on, up to the replay window's end.
    const running = await replay('QS-REPLAY-1');
    expect(cameraOf(running, MOBILE).ranges).toEqual([{ from: since, to: running.to }]);

    const { sessions } = edge.services;
    sessions.transition('QS-REPLAY-1', 'completed', { by: 'WIT-1' });
    sessions.transition('QS-REPLAY-2', 'completed', { by: 'WIT-1' });
    const completedAt = (id: string) =>
      edge.log.query({ session: id, type: 'session.state-changed' }).find((e) => e.data.to === 'completed')!.at;

    // Room-1's session: its venue-file camera, the camera adopted into the room, the one moved in (from the move).
    const mobileBefore = footageOf(MOBILE);
    const adoptedBefore = footageOf(ADOPTED);
    const venueFileBefore = footageOf(VENUE_FILE);
    const room1 = await replay('QS-REPLAY-1');
    expect(room1.cameras.map((c) => c.id).sort()).toEqual([ADOPTED, MOBILE, VENUE_FILE]);
    const room1Range = { from: start1 - MARGIN, to: completedAt('QS-REPLAY-1') + MARGIN };
    expect(cameraOf(room1, VENUE_FILE)).toMatchObject({ name: '1号评标室', ranges: [room1Range] });
    expect(cameraOf(room1, ADOPTED)).toMatchObject({ name: `${ADOPTED} 名称`, ranges: [room1Range] });
    expect(cameraOf(room1, MOBILE).ranges).toEqual([{ from: since, to: room1Range.to }]);
    expect(ids(cameraOf(room1, VENUE_FILE).segments)).toEqual(expect.arrayContaining(ids(venueFileBefore)));
    expect(ids(cameraOf(room1, ADOPTED).segments)).toEqual(expect.arrayContaining(ids(adoptedBefore)));
    expect(adoptedBefore.length).toBeGreaterThanOrEqual(2);
    expect(venueFileBefore.length).toBeGreaterThanOrEqual(2);
    const mobileIn1 = cameraOf(room1, MOBILE).segments;
    const recordedInRoom1 = mobileBefore.filter((s) => s.start >= since);
    const recordedInRoom2 = mobileBefore.filter((s) => s.end <= since);
    expect(recordedInRoom1.length).toBeGreaterThanOrEqual(2);
    expect(recordedInRoom2.length).toBeGreaterThanOrEqual(2);
    expect(ids(mobileIn1)).toEqual(expect.arrayContaining(ids(recordedInRoom1)));
    expect(mobileIn1.every((s) => s.end > since)).toBe(true);
    expect(mobileIn1[0]).toMatchObject({ sha256: mobileBefore.find((s) => s.id === mobileIn1[0]!.id)!.sha256 });

    // Room-2's session keeps the moved camera until the move, with its own venue-file camera (not recording).
    const room2 = await replay('QS-REPLAY-2');
    expect(room2.cameras.map((c) => c.id).sort()).toEqual([MOBILE, 'cam-room-2']);
    expect(cameraOf(room2, MOBILE).ranges).toEqual([{ from: start2 - MARGIN, to: since }]);
    const mobileIn2 = cameraOf(room2, MOBILE).segments;
    expect(ids(mobileIn2)).toEqual(expect.arrayContaining(ids(recordedInRoom2)));
    expect(mobileIn2.every((s) => s.start < since)).toBe(true);
    expect(cameraOf(room2, 'cam-room-2')).toMatchObject({ name: '2号评标室', segments: [] });

    // Segment files follow the same binding; each playback is audited with the camera it shows.
    const after = recordedInRoom1[0]!;
    const file = await segmentFile('QS-REPLAY-1', after.id);
    expect(file.status).toBe(200);
    expect(file.headers.get('x-content-sha256')).toBe(after.sha256);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(readFileSync(after.path));
    expect(edge.log.query({ type: 'audit.viewed', session: 'QS-REPLAY-1' }).at(-1)).toMatchObject({
      actor: 'test-auditor',
      subject: MOBILE,
      data: { purpose: 'footage-replay', segment: { sha256: after.sha256 } },
    });
    const foreign = await segmentFile('QS-REPLAY-2', after.id);
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { error: string }).error).toMatch(/^segment:/);
    const before = recordedInRoom2[0]!;
    expect((await segmentFile('QS-REPLAY-1', before.id)).status).toBe(404);
    expect((await segmentFile('QS-REPLAY-2', before.id)).status).toBe(200);

    // Access stays the record readers'.
    expect((await api(edge, '/api/video/replay/QS-REPLAY-1', { role: 'operator' })).status).toBe(403);
  }, 60_000);

  it("a session with no footage lock yet falls back to its room's venue-file cameras over its window", async () => {
    session('QS-REPLAY-3', 'room-1', false);
    const footage = await replay('QS-REPLAY-3');
    expect(footage.cameras.map((c) => c.id)).toEqual([VENUE_FILE]);
    expect(footage.cameras[0]!.ranges).toEqual([{ from: footage.from, to: footage.to }]);
    expect(footage.cameras[0]!.segments.length).toBeGreaterThanOrEqual(1);
  });
});
