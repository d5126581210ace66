import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { Segment } from '../../edge/video/segment-index.ts';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { api, eventually, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';

// Pulled over UDP here (the relay serves TCP too, tested in edge/video); 2 s segments so footage shows quickly.
const settings = { camera: { rtspTransport: 'udp' as const }, video: { segmentS: 2 } };

const CAMERA = 'cam-mobile'; // not in qinshui's venue file: adopted into room-1, then moved to room-2
const farm = new CameraFarm({ cameras: [{ id: CAMERA, width: 320, height: 180 }], discovery: false });
const dataDir = tempDir('halledge-camera-move-');
const venue = testVenue('qinshui');
let edge: VenueRuntime;

beforeAll(async () => {
  await farm.start();
  await farm.streamsReady();
  edge = await startTestVenue({ venue, dataDir, settings });
});
afterAll(async () => {
  await edge.stop();
  await farm.stop();
});

const footage = (): Segment[] => edge.services.video.timeline(CAMERA, 0, Date.now() + 60_000).segments;
const lockedTo = (session: string) => footage().filter((s) => s.lockedSession === session);

/** Imports a session in `room` and runs it; S2 is scheduled to end later than S1, so its lock would outlast S1's. */
function runSession(id: string, room: string, hours: number) {
  const { sessions } = edge.services;
  const start = Date.now();
  sessions.importSchedule(
    {
      sessions: [
        {
          id,
          transactionCode: id,
          project: { code: `P-${id}`, name: '摄像机换房评标' },
          room,
          start,
          end: start + hours * 3600_000,
          experts: [{ pseudonym: `EXP-${id}` }],
        },
      ],
    },
    { source: 'platform' },
  );
  sessions.transition(id, 'checkin-open', { by: 'WIT-1' });
  sessions.transition(id, 'in-progress', { by: 'WIT-1' });
}

describe('moving an adopted camera to another room', () => {
  it('is the administrator’s, validated, recorded, keeps recording, binds footage to each room’s session, survives a restart', async () => {
    const adopted = await api(edge, '/api/video/adopted', {
      body: {
        id: CAMERA,
        name: '移动摄像机',
        zone: 'room-1',
        xaddr: farm.deviceServiceUrl(CAMERA),
        ...farm.credentials,
      },
    });
    expect(adopted.status).toBe(201);
    expect(adopted.body.zoneSince).toBeNull();

    // A session runs in room-1 and its footage is locked to it; another runs in room-2, scheduled to end later.
    runSession('QS-ROOM1', 'room-1', 1);
    runSession('QS-ROOM2', 'room-2', 3);
    await eventually(
      () => lockedTo('QS-ROOM1'),
      (s) => s.length >= 2,
      20_000,
    );
    expect(lockedTo('QS-ROOM2')).toEqual([]);

    // Refusals: witnesses may not; the field is named; unknown ids 404; the venue file's cameras 409.
    const path = `/api/video/adopted/${CAMERA}`;
    const patch = (body: unknown, target = path, role: 'administrator' | 'witness' = 'administrator') =>
      api(edge, target, { method: 'PATCH', body, role });
    expect((await patch({ zone: 'room-2' }, path, 'witness')).status).toBe(403);
    const noZone = await patch({ zone: 'room-9' });
    expect(noZone).toEqual({ status: 400, body: { error: 'zone: the venue has no zone "room-9"' } });
    const empty = await patch({ zone: '' });
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body)).toContain('zone');
    const nothing = await patch({});
    expect(nothing.status).toBe(400);
    expect(nothing.body.error).toMatch(/^zone:/);
    const blankName = await patch({ name: '  ' });
    expect(blankName.status).toBe(400);
    expect(blankName.body.error).toMatch(/^name:/);
    expect((await patch({ zone: 'room-2' }, '/api/video/adopted/cam-nowhere')).status).toBe(404);
    const venueFile = await patch({ zone: 'room-2' }, '/api/video/adopted/cam-room-1');
    expect(venueFile.status).toBe(409);
    expect(venueFile.body.error).toContain('venue file');
    expect(edge.log.query({ type: 'video.camera-moved' })).toEqual([]);
    expect((await api(edge, '/api/video/adopted')).body[0]).toMatchObject({ zone: 'room-1' });

    // The move. What it recorded in room-1 so far stays QS-ROOM1's.
    const rec = edge.services.video.recorder(CAMERA);
    const runBefore = edge.log
      .query({ type: 'video.segment' })
      .filter((e) => e.subject === CAMERA)
      .at(-1)?.data.run;
    const beforeMove = footage();
    const moved = await patch({ zone: 'room-2' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: CAMERA, name: '移动摄像机', zone: 'room-2' });
    const since = moved.body.zoneSince as number;
    expect(since).toBeGreaterThanOrEqual(Math.max(...beforeMove.map((s) => s.end)));
    expect(edge.log.query({ type: 'video.camera-moved' })).toMatchObject([
      {
        actor: 'test-administrator',
        subject: CAMERA,
        data: { name: '移动摄像机', from: 'room-1', to: 'room-2', since },
      },
    ]);
    expect(edge.log.query({ type: 'audit.action' }).at(-1)?.data).toMatchObject({ route: '/api/video/adopted/:id' });

    // At once, before any new footage: room-1's lock ends at the move, room-2's begins there.
    const locks = edge.log.query({ type: 'video.locked' }).filter((e) => e.subject === CAMERA);
    expect(locks.filter((e) => e.session === 'QS-ROOM1').at(-1)?.data).toMatchObject({ to: since });
    expect(locks.filter((e) => e.session === 'QS-ROOM2').map((e) => e.data.from)).toEqual([since]);
    expect(edge.services.video.camerasIn('room-2')).toContain(CAMERA);
    expect(edge.services.video.camerasIn('room-1')).not.toContain(CAMERA);
    for (const s of beforeMove.filter((x) => x.lockedSession === 'QS-ROOM1'))
      expect(footage().find((x) => x.id === s.id)?.lockedSession).toBe('QS-ROOM1');

    // New footage is room-2's session's; recording went on with the same ffmpeg run and no gap.
    const after = await eventually(
      () => lockedTo('QS-ROOM2'),
      (s) => s.length >= 2,
      20_000,
    );
    expect(after.every((s) => s.start >= since - 2500)).toBe(true);
    expect(edge.services.video.recorder(CAMERA)).toBe(rec);
    const segmentEvents = edge.log.query({ type: 'video.segment' }).filter((e) => e.subject === CAMERA);
    expect(new Set(segmentEvents.map((e) => e.data.run))).toEqual(new Set([runBefore]));
    expect(edge.log.query({ type: 'video.gap' }).filter((e) => e.subject === CAMERA)).toEqual([]);
    // Nothing recorded after the move went to the old room's session.
    expect(lockedTo('QS-ROOM1').every((s) => s.start < since)).toBe(true);

    // The list and the cameras API show the new room; a rename is its own event.
    expect(
      (await api(edge, '/api/video/cameras')).body.find((c: { camera: string }) => c.camera === CAMERA),
    ).toMatchObject({ zone: 'room-2' });
    expect((await patch({ name: '二号评标室移动摄像机' })).body).toMatchObject({ zone: 'room-2', zoneSince: since });
    expect(edge.log.query({ type: 'video.camera-renamed' }).at(-1)).toMatchObject({
      subject: CAMERA,
      data: { from: '移动摄像机', to: '二号评标室移动摄像机' },
    });

    // A restart keeps the room and the time of the move: the recorder comes back in room-2, QS-ROOM2 still
    // running locks its new footage, and completing it leaves room-1's footage to QS-ROOM1.
    await edge.stop();
    edge = await startTestVenue({ venue, dataDir, settings });
    expect((await api(edge, '/api/video/adopted')).body).toMatchObject([
      { id: CAMERA, zone: 'room-2', zoneSince: since },
    ]);
    expect(edge.services.video.placement(CAMERA)).toEqual({ zone: 'room-2', since });
    const restartedAt = Date.now();
    await eventually(
      () => lockedTo('QS-ROOM2').filter((s) => s.start >= restartedAt),
      (s) => s.length >= 1,
      20_000,
    );
    edge.services.sessions.transition('QS-ROOM2', 'completed', { by: 'WIT-1' });
    edge.services.sessions.transition('QS-ROOM1', 'completed', { by: 'WIT-1' });
    const room1 = lockedTo('QS-ROOM1');
    expect(room1.length).toBeGreaterThanOrEqual(2);
    expect(room1.every((s) => s.start < since)).toBe(true);
    expect(lockedTo('QS-ROOM2').every((s) => s.end > since)).toBe(true);
    expect(footage().filter((s) => s.end <= since && s.lockedSession === 'QS-ROOM2')).toEqual([]);
  }, 60_000);
});
