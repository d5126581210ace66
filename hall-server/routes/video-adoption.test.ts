import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { api, eventually, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';

// Pulled over UDP here (the relay serves TCP too, tested in edge/video); 2 s segments so recording shows quickly.
const settings = { camera: { rtspTransport: 'udp' as const }, video: { segmentS: 2 } };

const farm = new CameraFarm({
  cameras: [
    { id: 'cam-room-1', width: 320, height: 180 },
    { id: 'cam-new', width: 320, height: 180 },
  ],
});
const dataDir = tempDir('halledge-adoption-');
const venue = testVenue('qinshui');
let edge: VenueRuntime;

beforeAll(async () => {
  await farm.start();
  await farm.streamsReady();
  // cam-room-1 is in the venue file (at the farm's address); cam-new is not.
  venue.cameras = venue.cameras.map((c) =>
    c.id === 'cam-room-1' ? { ...c, onvif: farm.deviceServiceUrl('cam-room-1') } : c,
  );
  edge = await startTestVenue({ venue, dataDir, settings });
});
afterAll(async () => {
  await edge.stop();
  await farm.stop();
});

const segments = async (camera: string) =>
  (await api(edge, `/api/video/timeline/${camera}?from=0&to=${Date.now() + 60_000}`)).body.segments as unknown[];

describe('adopting discovered cameras through the admin API', () => {
  it('discovers, adopts (credentials kept sealed), records, survives a restart, and removes a camera', async () => {
    const target = `127.0.0.1:${farm.discoveryPort}`;
    expect((await api(edge, '/api/video/discovery', { body: { targets: [target] }, role: 'witness' })).status).toBe(
      403,
    );
    const bad = await api(edge, '/api/video/discovery', { body: { targets: ['no-port'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^targets\/0:/);

    // The probe hears both cameras; the one already in the venue file is left out.
    const newXaddr = farm.deviceServiceUrl('cam-new');
    const probed = await api(edge, '/api/video/discovery', { body: { targets: [target] } });
    expect(probed).toEqual({
      status: 200,
      body: { found: [{ xaddr: newXaddr, name: 'cam-new', hardware: 'SimCam-1' }] },
    });
    expect((await api(edge, '/api/video/discovered')).body.found).toHaveLength(1);
    expect(edge.log.query({ type: 'video.discovery' }).at(-1)?.data).toMatchObject({ answered: 2 });

    const { username, password } = farm.credentials;
    const request = {
      id: 'cam-new',
      name: '二号评标室补充摄像机',
      zone: 'room-2',
      xaddr: newXaddr,
      username,
      password,
    };
    const wrongPassword = await api(edge, '/api/video/adopted', { body: { ...request, password: 'wrong' } });
    expect(wrongPassword.status).toBe(422);
    expect(wrongPassword.body.error).toMatch(/^xaddr:/);
    const noRoom = await api(edge, '/api/video/adopted', { body: { ...request, zone: 'room-9' } });
    expect(noRoom.status).toBe(400);
    expect(noRoom.body.error).toMatch(/^zone:/);
    const taken = await api(edge, '/api/video/adopted', { body: { ...request, id: 'cam-room-1' } });
    expect(taken.status).toBe(409);
    expect((await api(edge, '/api/video/adopted')).body).toEqual([]);

    const adopted = await api(edge, '/api/video/adopted', { body: request });
    expect(adopted.status).toBe(201);
    expect(adopted.body).toMatchObject({ id: 'cam-new', zone: 'room-2', xaddr: newXaddr });
    expect(JSON.stringify(adopted.body)).not.toContain(password);
    expect((await api(edge, '/api/video/discovered')).body.found).toEqual([]);

    // Recording starts at once; the API and the record never carry the password, nor does the table in clear.
    expect(
      (
        await eventually(
          () => segments('cam-new'),
          (s) => s.length >= 1,
          20_000,
        )
      ).length,
    ).toBeGreaterThanOrEqual(1);
    const listed = (await api(edge, '/api/video/cameras')).body as {
      camera: string;
      zone: string;
      streamUrl: string;
    }[];
    expect(listed.find((c) => c.camera === 'cam-new')).toMatchObject({
      zone: 'room-2',
      streamUrl: farm.streamUrl('cam-new'),
    });
    expect(JSON.stringify((await api(edge, '/api/video/adopted')).body)).not.toContain(password);
    // The list carries the recorder state; the console polls it, so reading it is not an audited view.
    const viewed = () => edge.log.query({ type: 'audit.viewed', limit: 100_000 }).length;
    const viewedBefore = viewed();
    expect((await api(edge, '/api/video/adopted')).body).toMatchObject([{ id: 'cam-new', state: 'recording' }]);
    expect(viewed()).toBe(viewedBefore);
    expect(JSON.stringify(edge.log.query({ limit: 100_000 }))).not.toContain(password);
    const row = edge.db.prepare('SELECT * FROM video_cameras').get() as Record<string, unknown>;
    expect(Buffer.from(row.password as Buffer).toString('latin1')).not.toContain(password);
    expect(edge.log.query({ type: 'video.camera-added' }).at(-1)).toMatchObject({
      subject: 'cam-new',
      actor: 'test-administrator',
      data: { zone: 'room-2', xaddr: newXaddr },
    });
    expect(edge.log.query({ type: 'video.camera-adopted' }).map((e) => e.subject)).toContain('cam-new');

    // A session held in its room locks its footage with no lock asked for (app/modules.ts wires SessionFootage).
    const { sessions } = edge.services;
    const start = Date.now();
    const session = {
      id: 'QS-ADOPT',
      transactionCode: 'QS-ADOPT',
      project: { code: 'P-A', name: '补充摄像机评标' },
      room: 'room-2',
      start,
      end: start + 3600_000,
      experts: [{ pseudonym: 'EXP-9' }],
    };
    sessions.importSchedule({ sessions: [session] }, { source: 'platform' });
    sessions.transition('QS-ADOPT', 'checkin-open', { by: 'WIT-1' });
    sessions.transition('QS-ADOPT', 'in-progress', { by: 'WIT-1' });
    const lockedNow = () =>
      edge.services.video
        .timeline('cam-new', start, Date.now() + 60_000)
        .segments.filter((s) => s.lockedSession === 'QS-ADOPT');
    expect((await eventually(lockedNow, (s) => s.length >= 1, 15_000)).length).toBeGreaterThanOrEqual(1);
    sessions.transition('QS-ADOPT', 'completed', { by: 'WIT-1' });
    // Both cameras of room 2: the venue file's cam-room-2 (not recording here) and the adopted one.
    const locks = edge.log.query({ type: 'video.locked', session: 'QS-ADOPT' }).map((e) => e.subject);
    expect(locks.sort()).toEqual(['cam-new', 'cam-new', 'cam-room-2', 'cam-room-2']);

    // A restart (same data directory) records the adopted camera again.
    await edge.stop();
    edge = await startTestVenue({ venue, dataDir, settings });
    const restartSeq = edge.db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number;
    expect((await api(edge, '/api/video/adopted')).body.map((c: { id: string }) => c.id)).toEqual(['cam-new']);
    const recordedAgain = () =>
      edge.log.query({ type: 'video.segment', afterSeq: restartSeq }).filter((e) => e.subject === 'cam-new');
    expect((await eventually(recordedAgain, (e) => e.length >= 1, 20_000)).length).toBeGreaterThanOrEqual(1);

    // Removal: venue-file cameras are not the API's to remove; an adopted one stops recording and is forgotten.
    expect((await api(edge, '/api/video/adopted/cam-room-1', { method: 'DELETE' })).status).toBe(409);
    expect((await api(edge, '/api/video/adopted/cam-new', { method: 'DELETE' })).status).toBe(204);
    expect((await api(edge, '/api/video/adopted/cam-new', { method: 'DELETE' })).status).toBe(404);
    expect((await api(edge, '/api/video/adopted')).body).toEqual([]);
    expect((await api(edge, '/api/video/cameras')).body).toEqual([]);
    expect(edge.log.query({ type: 'video.camera-removed' }).at(-1)).toMatchObject({ subject: 'cam-new' });
    // It is a discovery candidate again.
    const again = await api(edge, '/api/video/discovery', { body: { targets: [target] } });
    expect(again.body.found.map((d: { xaddr: string }) => d.xaddr)).toEqual([newXaddr]);
  }, 60_000);
});
