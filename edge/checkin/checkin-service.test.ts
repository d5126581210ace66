import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cameraFrame, faceless, photo, timedFrames } from '../../simulators/face-terminal/shared-photos.ts';
import { tempDir, testVenue } from '../../test/venue-harness.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { loadOrCreateKey } from '../store/secret-box.ts';
import { BiometricStore } from './biometric-store.ts';
import { CheckinService } from './checkin-service.ts';
import { Allocator, IdCardDirectory } from './checkin-store.ts';
import { FaceEngine } from './face/face-engine.ts';
import { DEFAULT_POLICY } from './match-policy.ts';
import { InMemoryRoster } from './roster.ts';

const venue = testVenue('qinshui');
const ID_POWELL = '11010519491231002X';
const ID_SHARON = '110105194912310037';
const ID_STRANGER = '110105194912310045';

let engine: FaceEngine;
beforeAll(async () => {
  engine = await FaceEngine.start({ workers: 2 });
});
afterAll(() => engine.close());

let log: EventLog;
let roster: InMemoryRoster;
let biometrics: BiometricStore;
let checkin: CheckinService;
beforeEach(() => {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'halledge.db'));
  log = new EventLog(db, venue.id);
  const idCards = new IdCardDirectory(db, Buffer.alloc(32, 1));
  roster = new InMemoryRoster();
  const room = venue.zones.find((z) => z.type === 'evaluation-room')!.id;
  roster.add({
    pseudonym: 'EXP-P',
    session: 'S1',
    room,
    seat: 's1',
    checkinOpen: true,
    idHash: idCards.hash(ID_POWELL),
  });
  roster.add({
    pseudonym: 'EXP-S',
    session: 'S1',
    room,
    seat: 's2',
    checkinOpen: true,
    idHash: idCards.hash(ID_SHARON),
  });
  // The sessions module projects checkin.accepted; the in-memory roster follows the log the same way.
  log.on('appended', (e) => e.type === 'checkin.accepted' && roster.markCheckedIn(e.actor!, e.at));
  biometrics = new BiometricStore(db, log, loadOrCreateKey(join(dir, 'biometric.key')));
  checkin = new CheckinService({
    venue,
    log,
    roster,
    idCards,
    allocator: new Allocator(db, log, venue),
    biometrics,
    faceEngine: async () => engine,
  });
});

/** Camera frames of the shared photos, as a terminal sends them: capture times a little over a second apart. */
const frames = async (identity: string, ...indexes: number[]) =>
  timedFrames(await Promise.all(indexes.map((i) => cameraFrame([photo('lfw', identity, i)]))));

describe('check-in with ID card and live face (人证核验)', () => {
  it('checks in the genuine expert with session, room, seat, locker and badge', async () => {
    const result = await checkin.checkInWithIdCard({
      by: 'ft-entrance',
      idNumber: ID_POWELL,
      chipPhoto: photo('lfw', 'Colin_Powell', 0),
      frames: await frames('Colin_Powell', 1, 2),
    });
    expect(result).toMatchObject({
      accepted: true,
      method: 'id-card+face',
      pseudonym: 'EXP-P',
      session: 'S1',
      seat: 's1',
      badge: 'badge-01',
      locker: { bank: 'locker-bank-1', compartment: 1 },
    });
    const [event] = log.query({ type: 'checkin.accepted' });
    expect(event).toMatchObject({ session: 'S1', actor: 'EXP-P', method: 'id-card+face', subject: 'EXP-P' });
    expect(event!.data).toMatchObject({ verifiedBy: 'ft-entrance', seat: 's1', badge: 'badge-01' });
    expect(event!.data.fused as number).toBeLessThanOrEqual(DEFAULT_POLICY.threshold);
    // Neither the ID number nor any biometric data enters the record.
    expect(JSON.stringify(log.query({}))).not.toMatch(new RegExp(`${ID_POWELL}|descriptor|landmarks`));
    expect(biometrics.counts()).toEqual({ 'face-descriptor': 0, 'chip-photo': 0, 'checkin-frame': 0 });

    const again = await checkin.checkInWithIdCard({
      by: 'ft-entrance',
      idNumber: ID_POWELL,
      chipPhoto: photo('lfw', 'Colin_Powell', 0),
      frames: await frames('Colin_Powell', 1, 3),
    });
    expect(again).toMatchObject({ accepted: false, reason: 'already-checked-in' });
  });

  it('refuses an impostor holding someone else’s card', async () => {
    const result = await checkin.checkInWithIdCard({
      by: 'ft-entrance',
      idNumber: ID_POWELL,
      chipPhoto: photo('lfw', 'Colin_Powell', 0),
      frames: await frames('George_W_Bush', 0, 1),
    });
    expect(result).toMatchObject({ accepted: false, reason: 'face-mismatch', pseudonym: 'EXP-P' });
    const [event] = log.query({ type: 'checkin.refused' });
    expect(event).toMatchObject({ actor: 'EXP-P', method: 'id-card+face', session: 'S1' });
    expect(event!.data.fused as number).toBeGreaterThan(DEFAULT_POLICY.threshold);
    expect(log.query({ type: 'checkin.accepted' })).toHaveLength(0);
  });

  it('refuses, with the reason, people not on the roster or outside the window, and pictures without one face', async () => {
    const chipPhoto = photo('lfw', 'Colin_Powell', 0);
    const base = { by: 'ft-entrance', chipPhoto, frames: await frames('Colin_Powell', 1, 2) };
    expect(await checkin.checkInWithIdCard({ ...base, idNumber: ID_STRANGER })).toMatchObject({
      reason: 'not-on-roster',
      pseudonym: null,
    });
    const empty = timedFrames([await faceless(0), await faceless(1)]);
    expect(await checkin.checkInWithIdCard({ ...base, idNumber: ID_POWELL, frames: empty })).toMatchObject({
      reason: 'no-face',
      outcome: 'look-again',
    });
    const crowd = await cameraFrame([photo('bbt', 'penny', 0), photo('bbt', 'howard', 0)]);
    const crowded = timedFrames([crowd, await cameraFrame([photo('lfw', 'Colin_Powell', 1)])]);
    expect(await checkin.checkInWithIdCard({ ...base, idNumber: ID_POWELL, frames: crowded })).toMatchObject({
      reason: 'several-faces',
      field: 'frames[0]',
    });
    const other = new InMemoryRoster();
    other.add({ pseudonym: 'EXP-P', session: 'S1', room: 'r', seat: null, checkinOpen: false });
    const closed = new CheckinService({ ...(checkin as unknown as { deps: object }).deps, roster: other } as never);
    expect(await closed.checkInManually({ witness: 'w1', pseudonym: 'EXP-P' })).toMatchObject({
      reason: 'outside-window',
      message: '不在签到时间内',
    });
  });

  it('rejects a corrupt image with a clear error naming the frame, and records it', async () => {
    const good = await cameraFrame([photo('lfw', 'Colin_Powell', 1)]);
    const result = await checkin.checkInWithIdCard({
      by: 'ft-entrance',
      idNumber: ID_POWELL,
      chipPhoto: photo('lfw', 'Colin_Powell', 0),
      frames: timedFrames([good, good.subarray(0, 3000)]),
    });
    expect(result).toMatchObject({ accepted: false, reason: 'bad-image', field: 'frames[1]' });
    expect(result.accepted === false && result.detail).toMatch(/frames\[1\].*truncated/);
    expect(log.query({ type: 'checkin.refused' })[0]!.data).toMatchObject({ reason: 'bad-image', field: 'frames[1]' });
  });
});

describe('check-in by enrolled face (1:N) and by a witness', () => {
  it('recognises an enrolled expert who consented, and no one else', async () => {
    biometrics.grantConsent('EXP-S', 'witness-1');
    await checkin.enrol({
      pseudonym: 'EXP-S',
      photos: [photo('lfw', 'Ariel_Sharon', 0), photo('lfw', 'Ariel_Sharon', 1)],
      by: 'witness-1',
    });
    const known = await checkin.checkInWithFace({ by: 'ft-entrance', frames: await frames('Ariel_Sharon', 2, 3) });
    expect(known).toMatchObject({ accepted: true, method: 'face-1:n', pseudonym: 'EXP-S', seat: 's2' });
    const stranger = await checkin.checkInWithFace({
      by: 'ft-entrance',
      frames: await frames('Donald_Rumsfeld', 0, 1),
    });
    expect(stranger).toMatchObject({ accepted: false, reason: 'not-recognised', method: 'face-1:n' });
  });

  it('lets a witness check a person in, each person getting their own badge and locker', async () => {
    const first = await checkin.checkInManually({ witness: 'witness-1', pseudonym: 'EXP-P', note: '证件遗失' });
    const second = await checkin.checkInManually({ witness: 'witness-1', pseudonym: 'EXP-S' });
    expect(first).toMatchObject({ accepted: true, method: 'manual', badge: 'badge-01', liveness: null });
    expect(second).toMatchObject({ accepted: true, badge: 'badge-02', locker: { compartment: 2 } });
    expect(log.query({ type: 'checkin.accepted' }).map((e) => [e.method, e.data.verifiedBy])).toEqual([
      ['manual', 'witness-1'],
      ['manual', 'witness-1'],
    ]);
  });
});

describe('presentation and replay defence', () => {
  const chipPhoto = photo('lfw', 'Colin_Powell', 0);
  const withCard = (frames: { image: Buffer; capturedAt: number }[]) =>
    checkin.checkInWithIdCard({ by: 'ft-entrance', idNumber: ID_POWELL, chipPhoto, frames });
  const refusedWith = () => log.query({ type: 'checkin.refused' }).at(-1)!.data;

  it('refuses the chip photo shown as a frame, raw or held up to the camera', async () => {
    const live = await cameraFrame([photo('lfw', 'Colin_Powell', 1)]);
    for (const shown of [chipPhoto, await cameraFrame([chipPhoto])]) {
      expect(await withCard(timedFrames([shown, live]))).toMatchObject({
        accepted: false,
        outcome: 'refused',
        reason: 'replay',
        field: 'frames[0]',
        message: '检测到翻拍或重复图像，请本人正对摄像头，或由见证人核验',
      });
      expect((refusedWith().checks as { replay: { chip: number } }).replay.chip).toBeLessThan(0.22);
    }
    expect(log.query({ type: 'checkin.accepted' })).toHaveLength(0);
  });

  it('refuses the same frame sent twice, before any face work', async () => {
    const live = await cameraFrame([photo('lfw', 'Colin_Powell', 1)]);
    expect(await withCard(timedFrames([live, live]))).toMatchObject({ reason: 'replay', field: 'frames[1]' });
    expect(refusedWith()).toMatchObject({ detail: 'the same bytes as frames[0]', checks: { frames: 2 } });
  });

  it('refuses an enrolment photo replayed on the 1:N route, and takes the live person', async () => {
    biometrics.grantConsent('EXP-S', 'witness-1');
    const enrolment = [photo('lfw', 'Ariel_Sharon', 0), photo('lfw', 'Ariel_Sharon', 1)];
    await checkin.enrol({ pseudonym: 'EXP-S', photos: enrolment, by: 'witness-1' });
    const replayed = timedFrames([
      await cameraFrame([enrolment[1]!]),
      await cameraFrame([photo('lfw', 'Ariel_Sharon', 2)]),
    ]);
    expect(await checkin.checkInWithFace({ by: 'ft-entrance', frames: replayed })).toMatchObject({
      accepted: false,
      reason: 'replay',
      field: 'frames[0]',
      detail: 'near-identical to the enrolment photo',
    });
    const live = await frames('Ariel_Sharon', 2, 3);
    const accepted = await checkin.checkInWithFace({ by: 'ft-entrance', frames: live });
    expect(accepted).toMatchObject({ accepted: true, pseudonym: 'EXP-S' });
    // The event says what was checked: frames, their spread, the closest enrolment photo and frame.
    const checks = log.query({ type: 'checkin.accepted' })[0]!.data.checks as Record<string, unknown>;
    expect(checks).toMatchObject({ frames: 2, framesWithFace: 2, spreadMs: 1200, challenge: null, hardware: null });
    expect((checks.replay as { enrolled: number }).enrolled).toBeGreaterThan(0.22);
  });

  it('refuses a second person the fast detector missed beside a small or off-centre face', async () => {
    // Tiny sees one face (the expert's) in each; SSD, asked because that face is small (two people at the back
    // of the picture) or off-centre (someone beside the expert), sees both.
    const compositions = [
      cameraFrame([photo('lfw', 'Colin_Powell', 1), photo('lfw', 'Ariel_Sharon', 2)], 90),
      cameraFrame([photo('lfw', 'Ariel_Sharon', 5), photo('lfw', 'Colin_Powell', 6)]),
    ];
    for (const two of compositions) {
      const result = await checkin.checkInWithIdCard({
        by: 'ft-entrance',
        idNumber: ID_SHARON,
        chipPhoto: photo('lfw', 'Ariel_Sharon', 0),
        frames: timedFrames([await two, await cameraFrame([photo('lfw', 'Ariel_Sharon', 3)])]),
      });
      expect(result).toMatchObject({ accepted: false, reason: 'several-faces', field: 'frames[0]' });
      expect(log.query({ type: 'checkin.refused' }).at(-1)!.data).toMatchObject({
        reason: 'several-faces',
        checks: { frames: 2, spreadMs: 1200, hardware: null },
      });
    }
  });

  it('counts frames without a face against the attempt and asks the person to look again', async () => {
    const live = await cameraFrame([photo('lfw', 'Colin_Powell', 1)]);
    expect(await withCard(timedFrames([live, await faceless()]))).toMatchObject({
      accepted: false,
      outcome: 'look-again',
      reason: 'too-few-frames',
      message: '请正对摄像头保持约 1 秒，再试一次',
    });
    expect(refusedWith()).toMatchObject({ outcome: 'look-again', checks: { frames: 2, framesWithFace: 1 } });
    // Two matching frames of four are not a majority.
    const [a, b] = [live, await cameraFrame([photo('lfw', 'Colin_Powell', 2)])];
    const half = await withCard(timedFrames([a, await faceless(0), await faceless(1), b], Date.now(), 1500));
    expect(half).toMatchObject({ accepted: false, reason: 'face-mismatch' });
  });
});
