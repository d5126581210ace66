import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cameraFrame, faceless, photo } from '../../simulators/face-terminal/shared-photos.ts';
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

const frames = (identity: string, ...indexes: number[]) =>
  Promise.all(indexes.map((i) => cameraFrame([photo('lfw', identity, i)])));

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
      frames: await frames('Colin_Powell', 1),
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
    const base = { by: 'ft-entrance', chipPhoto, frames: await frames('Colin_Powell', 1) };
    expect(await checkin.checkInWithIdCard({ ...base, idNumber: ID_STRANGER })).toMatchObject({
      reason: 'not-on-roster',
      pseudonym: null,
    });
    expect(await checkin.checkInWithIdCard({ ...base, idNumber: ID_POWELL, frames: [await faceless()] })).toMatchObject(
      { reason: 'no-face' },
    );
    const crowd = await cameraFrame([photo('bbt', 'penny', 0), photo('bbt', 'howard', 0)]);
    expect(await checkin.checkInWithIdCard({ ...base, idNumber: ID_POWELL, frames: [crowd] })).toMatchObject({
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
      frames: [good, good.subarray(0, 3000)],
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
