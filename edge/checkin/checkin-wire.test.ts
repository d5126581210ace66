import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceTerminalSimulator } from '../../simulators/face-terminal/face-terminal-simulator.ts';
import { cameraFrame, faceless, photo, truncated } from '../../simulators/face-terminal/shared-photos.ts';
import { api, startTestVenue, testVenue } from '../../test/venue-harness.ts';
import type { VenueRuntime } from '../runtime.ts';

const ID_POWELL = '11010519491231002X';
const ID_SHARON = '110105194912310037';
const card = (idNumber: string, identity: string) => ({ idNumber, name: '测试专家', photo: photo('lfw', identity, 0) });

let edge: VenueRuntime;
let terminal: FaceTerminalSimulator;

beforeAll(async () => {
  // The venue keeps check-in photos as evidence for 30 days (the policy is the venue's, in its file).
  const venue = { ...testVenue('qinshui'), checkin: { evidence: { keepCheckinPhoto: true, retentionDays: 30 } } };
  edge = await startTestVenue({ venue });
  const now = Date.now();
  edge.services.sessions.importSchedule(
    [
      {
        transactionCode: 'QS-7',
        project: { code: 'P7', name: '道路工程施工招标' },
        room: 'room-1',
        start: now - 60_000,
        end: now + 3600_000,
        experts: [
          { pseudonym: 'P1', seat: 's1' },
          { pseudonym: 'S1', seat: 's2' },
        ],
      },
    ],
    { source: 'platform' },
  );
  if (edge.services.sessions.get('QS-7')!.state === 'scheduled') {
    edge.services.sessions.transition('QS-7', 'checkin-open', { by: 'op' });
  }
  for (const [pseudonym, idNumber] of [
    ['P1', ID_POWELL],
    ['S1', ID_SHARON],
  ]) {
    expect((await api(edge, '/api/checkin/id-cards', { body: { pseudonym, idNumber } })).status).toBe(204);
  }
  expect((await api(edge, '/api/checkin/prewarm', { method: 'POST' })).status).toBe(204);
  terminal = new FaceTerminalSimulator(
    { venue: edge.venue.id, kind: 'face-terminal', id: 'ft-entrance', password: edge.deviceCredential('ft-entrance') },
    { brokerUrl: edge.bus.deviceUrl, heartbeatS: 1 },
  );
  await terminal.connect();
  // Starting the face workers and loading their models is most of this; a busy machine can double it.
}, 60_000);

afterAll(async () => {
  await terminal?.stop();
  await edge?.stop();
});

describe('face terminal over the real bus', () => {
  it('checks in the genuine expert: screen, beep and the session check-in', async () => {
    const shown = await terminal.attempt({
      card: card(ID_POWELL, 'Colin_Powell'),
      frames: [
        await cameraFrame([photo('lfw', 'Colin_Powell', 1)]),
        await cameraFrame([photo('lfw', 'Colin_Powell', 2)]),
      ],
    });
    expect(shown).toMatchObject({ accepted: true, room: '第一评标室', seat: 's1', badge: 'badge-01' });
    expect(shown.locker).toBe('locker-bank-1#1');
    expect(terminal.beeps.at(-1)).toBe('ok');
    expect(edge.services.sessions.checkinOf('QS-7', 'P1')).toMatchObject({ method: 'id-card+face', seat: 's1' });
    // Nothing from the card but the pseudonym reaches the record: no name, no number.
    const record = JSON.stringify(edge.log.query({ limit: 10_000 }));
    expect(record).not.toMatch(new RegExp(`${ID_POWELL}|测试专家`));
    // The venue's evidence policy kept the frame and the chip photo, encrypted, for its 30 days.
    expect(edge.services.checkin.biometrics.counts()).toMatchObject({ 'checkin-frame': 1, 'chip-photo': 1 });
    const stored = edge.log.query({ type: 'biometric.stored' });
    expect(stored.map((e) => e.subject)).toEqual(['P1', 'P1']);
    const expiresAt = (stored[0]!.data as { expiresAt: number }).expiresAt;
    expect(Math.abs(expiresAt - (Date.now() + 30 * 86_400_000))).toBeLessThan(120_000);
  });

  it('refuses an impostor with someone else’s card', async () => {
    const shown = await terminal.attempt({
      card: card(ID_SHARON, 'Ariel_Sharon'),
      frames: [await cameraFrame([photo('lfw', 'George_W_Bush', 0)])],
    });
    expect(shown).toMatchObject({ accepted: false, message: '人脸与身份证照片不一致，请联系见证人' });
    expect(shown).not.toHaveProperty('seat');
    expect(terminal.beeps.at(-1)).toBe('error');
    expect(edge.log.query({ type: 'checkin.refused' }).at(-1)).toMatchObject({ actor: 'S1', method: 'id-card+face' });
    // A refusal keeps no evidence.
    expect(edge.services.checkin.biometrics.counts()).toMatchObject({ 'checkin-frame': 1, 'chip-photo': 1 });
  });

  it('tells the terminal why a corrupt frame or a picture without a face failed, and keeps working', async () => {
    const corrupt = await terminal.attempt({
      card: card(ID_SHARON, 'Ariel_Sharon'),
      frames: [truncated(photo('lfw', 'Ariel_Sharon', 3))],
    });
    expect(corrupt).toMatchObject({ accepted: false, message: '图像无法识别（frames[0]）' });
    const empty = await terminal.attempt({ card: card(ID_SHARON, 'Ariel_Sharon'), frames: [await faceless()] });
    expect(empty).toMatchObject({ accepted: false, message: '未检测到人脸，请正对摄像头' });
    expect(
      edge.log
        .query({ type: 'checkin.refused' })
        .slice(-2)
        .map((e) => e.data.reason),
    ).toEqual(['bad-image', 'no-face']);
  });
});

describe('check-in over HTTP', () => {
  it('names the field and the problem for a wrong content type', async () => {
    const jpeg = photo('lfw', 'Ariel_Sharon', 0).toString('base64');
    const res = await api(edge, '/api/checkin/id-card', {
      body: {
        idNumber: ID_SHARON,
        photo: `data:text/plain;base64,${jpeg}`,
        frames: [`data:text/plain;base64,${jpeg}`],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ reason: 'bad-image', field: 'photo' });
    expect(res.body.error).toMatch(/photo: .*wrong content type.*text\/plain/);
    const schema = await api(edge, '/api/checkin/id-card', { body: { idNumber: '123', photo: jpeg, frames: [] } });
    expect(schema.status).toBe(400);
    expect(schema.body.message).toMatch(/idNumber|frames/);
  });

  it('lets a signed-in witness check an expert in by hand, recorded as manual under their name', async () => {
    const witness = { role: 'witness' as const };
    const res = await api(edge, '/api/checkin/manual', { ...witness, body: { pseudonym: 'S1', note: '人工核验' } });
    expect(res.body).toMatchObject({ accepted: true, method: 'manual', seat: 's2', badge: 'badge-02' });
    expect(edge.services.sessions.checkinOf('QS-7', 'S1')).toMatchObject({ method: 'manual' });
    expect(edge.log.query({ type: 'checkin.accepted' }).at(-1)!.data.verifiedBy).toBe('test-witness');
    const again = await api(edge, '/api/checkin/manual', { ...witness, body: { pseudonym: 'S1' } });
    expect(again.body).toMatchObject({ accepted: false, reason: 'already-checked-in' });
  });

  it('serves the kiosk page and its script', async () => {
    const page = await fetch(`${edge.httpUrl}/kiosk/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('刷脸签到');
    const script = await fetch(`${edge.httpUrl}/kiosk/kiosk.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('/api/checkin/face');
  });
});
