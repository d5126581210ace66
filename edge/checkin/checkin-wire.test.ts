import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { FaceTerminalSimulator } from '../../simulators/face-terminal/face-terminal-simulator.ts';
import { cameraFrame, faceless, photo, truncated } from '../../simulators/face-terminal/shared-photos.ts';
import { pageAndScript } from '../../test/built-pages.ts';
import { streamCheckinPost } from '../../test/stream-post.ts';
import { api, authHeaders, startTestVenue, testVenue } from '../../test/venue-harness.ts';

const ID_POWELL = '11010519491231002X';
const ID_SHARON = '110105194912310037';
const card = (idNumber: string, identity: string) => ({ idNumber, name: '测试专家', photo: photo('lfw', identity, 0) });
/** This venue requires the terminal's own (NIR) liveness verdict; the simulated terminal sends one. */
const NIR_LIVE = { method: 'nir', verdict: 'live', score: 0.97 } as const;

let edge: VenueRuntime;
let terminal: FaceTerminalSimulator;

beforeAll(async () => {
  // The venue keeps check-in photos as evidence for 30 days and requires a hardware liveness verdict (both the
  // venue's policy, in its file).
  // The terminal plays a dozen attempts within a few seconds, each with its acks: more than a real terminal's rate
  // (10 messages/s, burst 20) on a fast machine, so the bus holds some of them for their turn (edge/bus).
  const venue = {
    ...testVenue('qinshui'),
    checkin: { evidence: { keepCheckinPhoto: true, retentionDays: 30 }, requireHardwareLiveness: true },
  };
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
      liveness: NIR_LIVE,
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
      frames: await Promise.all([0, 1].map((i) => cameraFrame([photo('lfw', 'George_W_Bush', i)]))),
      liveness: NIR_LIVE,
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
      frames: [await cameraFrame([photo('lfw', 'Ariel_Sharon', 2)]), truncated(photo('lfw', 'Ariel_Sharon', 3))],
      liveness: NIR_LIVE,
    });
    expect(corrupt).toMatchObject({ accepted: false, message: '图像无法识别（frames[1]）' });
    const empty = await terminal.attempt({
      card: card(ID_SHARON, 'Ariel_Sharon'),
      frames: [await faceless(0), await faceless(1)],
      liveness: NIR_LIVE,
    });
    // Nothing wrong with who they are: the terminal asks them to face the camera again.
    expect(empty).toMatchObject({ accepted: false, lookAgain: true, message: '未检测到人脸，请正对摄像头' });
    expect(
      edge.log
        .query({ type: 'checkin.refused' })
        .slice(-2)
        .map((e) => e.data.reason),
    ).toEqual(['bad-image', 'no-face']);
  });

  it('tells a terminal with two captures in progress to wait for them', async () => {
    const frames = await Promise.all([0, 1].map((i) => cameraFrame([photo('lfw', 'Donald_Rumsfeld', i)])));
    const shown = await Promise.all([0, 1, 2].map(() => terminal.attempt({ frames, liveness: NIR_LIVE })));
    expect(shown.map((s) => s.message).sort()).toEqual([
      '上一次核验尚未完成，请稍候再试',
      '未能识别，请刷身份证或由见证人核验',
      '未能识别，请刷身份证或由见证人核验',
    ]);
  });

  it('refuses a terminal that sends no hardware liveness verdict, as the venue requires, before any face work', async () => {
    const frames = await Promise.all([2, 3].map((i) => cameraFrame([photo('lfw', 'Ariel_Sharon', i)])));
    const shown = await terminal.attempt({ card: card(ID_SHARON, 'Ariel_Sharon'), frames });
    expect(shown).toMatchObject({ accepted: false, message: '终端未提供活体检测结果，请由见证人核验' });
    const spoof = await terminal.attempt({
      card: card(ID_SHARON, 'Ariel_Sharon'),
      frames,
      liveness: { method: 'depth', verdict: 'spoof' },
    });
    expect(spoof).toMatchObject({ accepted: false, message: '活体检测未通过，请联系见证人' });
    const [missing, attack] = edge.log.query({ type: 'checkin.refused' }).slice(-2);
    expect(missing!.data).toMatchObject({ reason: 'liveness-required', checks: { frames: 2, hardware: null } });
    expect(attack!.data).toMatchObject({
      reason: 'presentation-attack',
      checks: { hardware: { method: 'depth', verdict: 'spoof' } },
    });
    expect(edge.services.sessions.checkinOf('QS-7', 'S1')).toBeNull();
  });
});

describe('check-in over HTTP', () => {
  it('names the field and the problem for a wrong content type', async () => {
    const jpeg = photo('lfw', 'Ariel_Sharon', 0).toString('base64');
    const res = await api(edge, '/api/checkin/id-card', {
      body: {
        idNumber: ID_SHARON,
        photo: `data:text/plain;base64,${jpeg}`,
        frames: [1, 2].map((i) => ({
          image: `data:text/plain;base64,${photo('lfw', 'Ariel_Sharon', i).toString('base64')}`,
          capturedAt: Date.now() - 1200 * (2 - i),
        })),
        liveness: NIR_LIVE,
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
    const { page, html, script } = await pageAndScript(edge.httpUrl, '/kiosk/');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(html).toContain('刷脸签到');
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('/api/checkin/face');
  });
});

/** A POST as a kiosk terminal (its credential) or anonymous (null). */
async function asTerminal(credential: string | null, path: string, body?: unknown) {
  const response = await fetch(`${edge.httpUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(credential ? { authorization: `Terminal ${credential}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

const streamPost = (path: string, headers: Record<string, string>, bytes: number, hold = false) =>
  streamCheckinPost(`${edge.httpUrl}${path}`, headers, bytes, hold);

describe('terminal identity, limits and bounded bodies', () => {
  const attempt = (idNumber: string) => ({
    idNumber,
    photo: photo('lfw', 'Ariel_Sharon', 0).toString('base64'),
    frames: [0, 1].map((i) => ({
      image: photo('lfw', 'Ariel_Sharon', 2 + i).toString('base64'),
      capturedAt: Date.now() + i,
    })),
  });

  it('answers anonymous callers 401 and tells them nothing about the roster', async () => {
    const rostered = await asTerminal(null, '/api/checkin/id-card', attempt(ID_SHARON));
    const stranger = await asTerminal(null, '/api/checkin/id-card', attempt('110105194912310045'));
    expect(rostered.status).toBe(401);
    expect(rostered.body).toEqual(stranger.body);
    expect(JSON.stringify(rostered.body)).not.toMatch(/pseudonym|roster|S1|accepted/);
    for (const [path, body] of [
      ['/api/checkin/face', { frames: attempt(ID_SHARON).frames }],
      ['/api/checkin/prewarm', {}],
      ['/api/checkin/terminal', undefined],
    ] as const)
      expect((await asTerminal(null, path, body)).status, path).toBe(401);
    expect((await asTerminal('kiosk-x.not-a-credential', '/api/checkin/id-card', attempt(ID_SHARON))).status).toBe(401);
  });

  it('pairs a kiosk once with the administrator’s code, answers it, and stops answering when revoked', async () => {
    expect((await api(edge, '/api/checkin/terminals', { role: 'witness', body: { id: 'kiosk-1' } })).status).toBe(403);
    const issued = await api(edge, '/api/checkin/terminals', { body: { id: 'kiosk-1' } });
    expect(issued.status).toBe(201);
    expect(issued.body.pairingCode).toMatch(/^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/);
    const paired = await asTerminal(null, '/api/checkin/terminals/pair', {
      code: issued.body.pairingCode.toLowerCase(),
    });
    expect(paired).toMatchObject({ status: 200, body: { terminal: 'kiosk-1' } });
    const credential = paired.body.credential as string;
    // The code works once.
    expect((await asTerminal(null, '/api/checkin/terminals/pair', { code: issued.body.pairingCode })).status).toBe(401);
    expect(await asTerminal(credential, '/api/checkin/terminal')).toMatchObject({
      status: 200,
      body: { terminal: 'kiosk-1', minFrames: 2, minSpreadMs: 1000, challenge: 'off', maxFrames: 5 },
    });
    const answer = await asTerminal(credential, '/api/checkin/id-card', attempt('110105194912310045'));
    expect(answer).toMatchObject({ status: 200, body: { accepted: false, reason: 'not-on-roster' } });
    expect(edge.log.query({ type: 'checkin.refused' }).at(-1)!.data.verifiedBy).toBe('kiosk-1');
    expect((await api(edge, '/api/checkin/terminals/kiosk-1/revoke', { body: {} })).status).toBe(204);
    expect((await asTerminal(credential, '/api/checkin/id-card', attempt(ID_SHARON))).status).toBe(401);
    // The record says who enrolled and revoked the terminal; neither code nor credential is in it.
    const record = JSON.stringify(edge.log.query({ limit: 10_000 }));
    expect(record).not.toContain(credential.split('.')[1]);
    expect(record).not.toContain(issued.body.pairingCode);
    expect(edge.log.query({ type: 'checkin.terminal-revoked' }).at(-1)).toMatchObject({
      actor: 'test-administrator',
      subject: 'kiosk-1',
    });
  });

  it('refuses an oversize body with 413 in its own words while it streams in, and an oversize frame naming it', async () => {
    const witness = await authHeaders(edge, 'witness');
    // 40 MiB with no Content-Length: refused once the count passes the limit (5 frames of 2 MiB, base64).
    const { answered } = streamPost('/api/checkin/face', witness, 40 * 1024 * 1024);
    const big = await answered;
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/图像过大.*too large: at most 5 frames of 2 MB each/);
    const frame = Buffer.alloc(2 * 1024 * 1024 + 1, 7).toString('base64');
    const res = await api(edge, '/api/checkin/face', {
      role: 'witness',
      body: { frames: [{ image: frame, capturedAt: Date.now() }] },
    });
    expect(res).toMatchObject({ status: 413, body: { field: 'frames[0].image', code: 'too-large' } });
  });

  it('limits each terminal to 20 attempts a minute, without touching another terminal', async () => {
    const pair = async (id: string) => {
      const { pairingCode } = (await api(edge, '/api/checkin/terminals', { body: { id } })).body;
      return (await asTerminal(null, '/api/checkin/terminals/pair', { code: pairingCode })).body.credential as string;
    };
    const [busy, other] = [await pair('kiosk-busy'), await pair('kiosk-other')];
    // Malformed bodies are cheap to answer (400) and still count as attempts.
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await asTerminal(busy, '/api/checkin/face', { frames: [] })).status);
    expect(statuses.every((s) => s === 400)).toBe(true);
    const limited = await asTerminal(busy, '/api/checkin/face', { frames: [] });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatch(/核验过于频繁.*too many check-in attempts/);
    expect((await asTerminal(other, '/api/checkin/face', { frames: [] })).status).toBe(400);
  });

  it('limits the check-ins one terminal runs at once', async () => {
    const witness = await authHeaders(edge, 'witness');
    // Two uploads in progress (held open), a third is turned away before its body is read.
    const held = [0, 1].map(() => streamPost('/api/checkin/face', witness, 65_536, true));
    const third = await streamPost('/api/checkin/face', witness, 65_536).answered;
    expect(third.status).toBe(429);
    expect(third.body.error).toMatch(/已有 2 次核验在进行/);
    for (const h of held) h.end();
    // Once in, they are answered (without the venue's hardware verdict: refused before any face work).
    const answers = await Promise.all(held.map((h) => h.answered));
    expect(answers.map((a) => a.body.reason)).toEqual(['liveness-required', 'liveness-required']);
  });
});
