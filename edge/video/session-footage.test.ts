import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { eventually, tempDir, testVenue } from '../../test/venue-harness.ts';
import { AlarmEngine } from '../alerts/alarms.ts';
import { SessionService } from '../sessions/session-service.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { Retention } from './retention.ts';
import { SessionFootage } from './session-footage.ts';
import { VideoService } from './video-service.ts';

// qinshui's venue file: cam-room-1 films evaluation room room-1, cam-hall the public hall; cam-late is adopted
// into room-2 while a session runs there.
const farm = new CameraFarm({
  cameras: [
    { id: 'cam-room-1', width: 320, height: 180 },
    { id: 'cam-hall', width: 320, height: 180 },
    { id: 'cam-late', width: 320, height: 180 },
  ],
  discovery: false,
});
const dataDir = tempDir('halledge-session-footage-');
const db = openDatabase(join(dataDir, 'edge.db'));
const log = new EventLog(db, 'qinshui');
const alarms = new AlarmEngine(log);
const sessions = new SessionService(log, testVenue('qinshui'));
const video = new VideoService(
  { db, log, alarms, dataDir, logger: pino({ level: 'silent' }) },
  { segmentS: 2, credentials: farm.credentials },
);
const MARGIN = 1000;
const DAY = 86_400_000;
const footage = new SessionFootage(video, sessions, log, { marginMs: MARGIN, archiveDays: 1 });
const segs = (camera: string, v = video) => v.timeline(camera, 0, Date.now() + 60_000).segments;

function runningSession(id: string, room: string, start: number) {
  sessions.importSchedule(
    {
      sessions: [
        {
          id,
          transactionCode: id,
          project: { code: `P-${id}`, name: '沁水县某工程' },
          room,
          start,
          end: start + 3600_000,
          experts: [{ pseudonym: `EXP-${id}` }],
        },
      ],
    },
    { source: 'platform' },
  );
  sessions.transition(id, 'checkin-open', { by: 'WIT-1' });
  sessions.transition(id, 'in-progress', { by: 'WIT-1' });
}

beforeAll(async () => {
  await farm.start();
  await farm.streamsReady();
  footage.start();
  await video.adopt({ id: 'cam-room-1', onvif: farm.deviceServiceUrl('cam-room-1'), zone: 'room-1' });
  await video.adopt({ id: 'cam-hall', onvif: farm.deviceServiceUrl('cam-hall'), zone: 'public-hall' });
});
afterAll(async () => {
  footage.stop();
  await video.stop();
  await farm.stop();
});

describe('session footage locks', () => {
  it("locks the room's footage from session start to end without a manual lock; quota eviction spares it", async () => {
    // General footage before the session.
    await eventually(
      () => Math.min(segs('cam-room-1').length, segs('cam-hall').length),
      (n) => n >= 1,
      40_000,
    );
    const now = Date.now();
    runningSession('QS-2026-0007', 'room-1', now);
    const startedAt = Date.now();
    // While it runs, new room footage inherits the lock as it is indexed.
    await eventually(
      () => segs('cam-room-1').filter((s) => s.start >= startedAt),
      (during) => during.length >= 2,
      30_000,
    );
    expect(
      segs('cam-room-1')
        .filter((s) => s.start >= startedAt)
        .every((s) => s.lockedSession === 'QS-2026-0007'),
    ).toBe(true);
    sessions.transition('QS-2026-0007', 'completed', { by: 'WIT-1' });
    const endedAt = log.query({ type: 'session.state-changed', session: 'QS-2026-0007' }).at(-1)!.at;
    // Footage after the session (and its margin) is general footage again.
    await eventually(
      () =>
        Math.min(...['cam-room-1', 'cam-hall'].map((c) => segs(c).filter((s) => s.start > endedAt + MARGIN).length)),
      (n) => n >= 1,
      30_000,
    );
    await video.stop();

    const room = segs('cam-room-1');
    const inSession = room.filter((s) => s.end > now - MARGIN && s.start < endedAt + MARGIN);
    const outside = room.filter((s) => !inSession.includes(s));
    expect(inSession.length).toBeGreaterThanOrEqual(2);
    expect(inSession.every((s) => s.lockedSession === 'QS-2026-0007')).toBe(true);
    expect(outside.length).toBeGreaterThanOrEqual(2); // before the session and after it
    expect(outside.every((s) => s.lockedSession === null)).toBe(true);
    const hall = segs('cam-hall');
    expect(hall.every((s) => s.lockedSession === null)).toBe(true);
    // The locks are on the record: the room camera only, redrawn to the actual end at completion.
    const locks = log.query({ type: 'video.locked', session: 'QS-2026-0007' });
    expect(locks.map((e) => e.subject)).toEqual(['cam-room-1', 'cam-room-1']);
    expect(locks.at(-1)!.data.to).toBe(endedAt + MARGIN);

    // Quota eviction (0 bytes allowed): everything unlocked goes, the session's footage stays.
    const result = new Retention(video.index, log, alarms, dataDir, { quotaBytes: 0 }).sweep();
    const deleted = new Set(result.deleted.map((s) => s.path));
    for (const s of inSession) expect(existsSync(s.path) && !deleted.has(s.path)).toBe(true);
    for (const s of [...outside, ...hall]) {
      expect(deleted.has(s.path)).toBe(true);
      expect(existsSync(s.path)).toBe(false);
    }
    expect(segs('cam-room-1').map((s) => s.id)).toEqual(inSession.map((s) => s.id));
  }, 120_000);
});

describe('a camera adopted while a session runs in its room', () => {
  it('is locked at adoption, so a quota sweep before the session completes spares its footage', async () => {
    // Its own recorder set (the test above stops `video`), on the same record and sessions.
    const late = new VideoService({ db, log, alarms, dataDir, logger: pino({ level: 'silent' }) }, { segmentS: 2 });
    const lateFootage = new SessionFootage(late, sessions, log, { marginMs: MARGIN, archiveDays: 1 });
    lateFootage.start();
    try {
      // Scheduled ten minutes ago, running since now.
      const start = Date.now() - 600_000;
      runningSession('QS-LATE', 'room-2', start);
      const startedAt = log.query({ type: 'session.state-changed', session: 'QS-LATE' }).at(-1)!.at;
      const locks = () => log.query({ type: 'video.locked', session: 'QS-LATE' });
      expect(locks()).toEqual([]); // nothing films room-2 yet

      const camera = { id: 'cam-late', onvif: farm.deviceServiceUrl('cam-late'), zone: 'room-2' };
      // Wrong credentials: not adopted, not recording, nothing locked.
      await expect(
        late.adopt({ ...camera, credentials: { ...farm.credentials, password: 'wrong' } }),
      ).rejects.toThrow();
      await late.forget('cam-late');
      expect(locks()).toEqual([]);

      await late.adopt({ ...camera, credentials: farm.credentials });
      // Locked at once, before any footage, with the window the session's start drew.
      expect(locks().map((e) => [e.subject, e.data])).toEqual([
        [
          'cam-late',
          {
            camera: 'cam-late',
            from: start - MARGIN,
            to: start + 3600_000 + 4 * 3600_000,
            until: start + 3600_000 + 4 * 3600_000 + DAY,
            segments: 0,
          },
        ],
      ]);
      expect(startedAt).toBeGreaterThan(start);
      // A loaded machine may need a restart or two of the recorder (each attempt waits 8 s for a segment): the
      // wait allows for that, and shows the recorder's alarms if it never records.
      const { recorded } = await eventually(
        () => ({
          recorded: segs('cam-late', late),
          alarms: log
            .query({ type: 'alarm.raised' })
            .filter((e) => e.subject === 'cam-late')
            .map((e) => e.data),
        }),
        ({ recorded }) => recorded.length >= 2,
        50_000,
        "cam-late's first two segments",
      );
      expect(recorded.every((s) => s.lockedSession === 'QS-LATE')).toBe(true);

      // A quota sweep while the session still runs (0 bytes allowed) keeps every segment of the late camera.
      const result = new Retention(late.index, log, alarms, dataDir, { quotaBytes: 0 }).sweep();
      const deleted = new Set(result.deleted.map((s) => s.path));
      for (const s of recorded) expect(existsSync(s.path) && !deleted.has(s.path)).toBe(true);
      expect(sessions.get('QS-LATE')?.state).toBe('in-progress');
    } finally {
      lateFootage.stop();
      await late.stop();
    }
  }, 80_000);
});
