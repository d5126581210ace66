import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { scanForbidden } from '../../city/forbidden-scan.ts';
import { configureSync, drawnSchedule, startTestHub, type TestHub } from '../../test/sync-fixture.ts';
import { api, eventually, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';
import { SYNC_TARGET } from './outbox.ts';
import { type DownlinkEnvelope, downlinkManifest, PROTOCOL, signBytes } from './wire.ts';

let city: TestHub;
let edge: VenueRuntime | null = null;

beforeEach(async () => {
  city = await startTestHub();
});
afterEach(async () => {
  await edge?.stop();
  edge = null;
  await city.stop();
});

async function startQinshui(): Promise<VenueRuntime> {
  const dataDir = tempDir();
  configureSync(dataDir, city.hub, { url: city.http.url, enrolToken: await city.hub.issueEnrolToken('qinshui') });
  edge = await startTestVenue({ venue: testVenue('qinshui'), dataDir });
  return edge;
}

describe('schedules coming down from the city hub', () => {
  it('enrols the venue key, pulls signed schedules (a remote session included) into sessions, uploads the result', async () => {
    const venue = await startQinshui();
    const enrolled = await eventually(
      () => api(venue, '/api/sync'),
      (r) => r.body.enrolment === 'enrolled',
    );
    expect(enrolled.body).toMatchObject({ configured: true, transport: 'http', platformKey: true, venue: 'qinshui' });
    expect(await city.hub.publicKeyOf('qinshui')).toBe(venue.services.sync.key.publicKeyPem);

    await city.hub.pushSchedule('qinshui', drawnSchedule('qinshui', { count: 1, remoteFrom: 'jincheng' }));
    const remote = await eventually(
      () => api(venue, '/api/sessions/REMOTE-JINCHENG-1'),
      (r) => r.status === 200,
    );
    expect(remote.body).toMatchObject({
      room: 'room-2',
      remote: { hostVenue: 'jincheng', hostRoom: 'room-1' },
      experts: [{ pseudonym: 'EX-qinshui-remote-1' }, { pseudonym: 'EX-qinshui-remote-2' }],
      source: 'platform',
    });
    expect((await api(venue, '/api/sessions/QINSHUI-1')).body.experts).toHaveLength(3);

    // The draw changes: one expert replaced. The hub re-sends the session; authorisations follow.
    const redraw = drawnSchedule('qinshui', { count: 1 });
    redraw.sessions[0]!.experts[2] = { pseudonym: 'EX-qinshui-1-9' };
    await city.hub.pushSchedule('qinshui', redraw);
    const updated = await eventually(
      () => api(venue, '/api/sessions/QINSHUI-1'),
      (r) => r.body.experts.some((e: { pseudonym: string }) => e.pseudonym === 'EX-qinshui-1-9'),
    );
    expect(updated.body.experts.map((e: { pseudonym: string }) => e.pseudonym)).toEqual([
      'EX-qinshui-1-1',
      'EX-qinshui-1-2',
      'EX-qinshui-1-9',
    ]);
    const imports = venue.log.query({ type: 'sessions.imported' });
    expect(imports.map((e) => [e.actor, e.method])).toEqual([
      ['platform', 'platform-signature'],
      ['platform', 'platform-signature'],
    ]);
    expect((await api(venue, '/api/sync')).body.downlink.watermark).toBe(2);

    // What the venue recorded goes back up: caught up, pseudonyms only.
    await eventually(
      async () => (await city.hub.head('qinshui')).seq,
      (seq) => seq >= venue.log.head.seq,
      5000,
    );
    const held = await city.hub.events('qinshui');
    expect(held.filter((e) => e.type === 'session.experts-revoked').map((e) => e.body)).toEqual([
      { pseudonyms: ['EX-qinshui-1-3'] },
    ]);
    expect(held.find((e) => e.session === 'REMOTE-JINCHENG-1' && e.type === 'session.scheduled')!.body).toMatchObject({
      remote: { hostVenue: 'jincheng', hostRoom: 'room-1' },
    });
    expect(scanForbidden(held)).toEqual([]);
    const status = (await api(venue, '/api/sync')).body;
    expect(status.outbox).toMatchObject({ state: expect.stringMatching(/idle|sending/), lastError: null });
    expect(status.outbox.ackedSeq).toBeGreaterThanOrEqual(held.length);
  });

  it('accepts a pushed schedule only when signed by the hub and addressed to this venue, once', async () => {
    const venue = await startQinshui();
    // The hub pushes without a console session (the route is public; the signature is the check).
    const push = (body: unknown) => api(venue, '/api/sync/downlink', { body, role: null });
    const payload = drawnSchedule('qinshui', { count: 1 });
    const unsigned = { seq: 1, venue: 'qinshui', kind: 'schedule' as const, issuedAt: Date.now(), payload };
    const impostor = generateKeyPairSync('ed25519').privateKey;
    const forged: DownlinkEnvelope = {
      protocol: PROTOCOL,
      ...unsigned,
      signature: signBytes(impostor, downlinkManifest(unsigned)),
    };
    expect(await push(forged)).toMatchObject({
      status: 401,
      body: { status: 'rejected', reason: 'bad-signature' },
    });
    // A genuine message altered on the way (one more expert) fails the signature too.
    const genuine = city.hub.sign(unsigned);
    const altered = structuredClone(genuine);
    (altered.payload as typeof payload).sessions[0]!.experts.push({ pseudonym: 'EX-intruder' });
    expect((await push(altered)).status).toBe(401);
    expect((await api(venue, '/api/sessions/QINSHUI-1')).status).toBe(404);

    const elsewhere = city.hub.sign({ ...unsigned, venue: 'gaoping' });
    expect(await push(elsewhere)).toMatchObject({
      status: 409,
      body: { reason: 'wrong-venue' },
    });
    expect(await push({ ...genuine, seq: 'first' })).toMatchObject({
      status: 400,
      body: { error: 'downlink/seq: must be integer' },
    });

    expect(await push(genuine)).toMatchObject({
      status: 200,
      body: { status: 'accepted', seq: 1, report: { created: ['QINSHUI-1'] } },
    });
    // An administrator pasting the same message while signed in: taken as the same message, once.
    expect((await api(venue, '/api/sync/downlink', { body: genuine })).body).toEqual({ status: 'duplicate', seq: 1 });
    expect(venue.log.query({ type: 'sessions.imported' })).toHaveLength(1);
    expect(venue.log.query({ type: 'sync.downlink-rejected' }).map((e) => e.data.reason)).toEqual([
      'bad-signature',
      'bad-signature',
      'wrong-venue',
      'invalid',
    ]);
  });
});

describe('silent sync failures are shown and alarmed', () => {
  it('a failed enrolment shows its error, holds the outbox as awaiting enrolment and alarms until it succeeds', async () => {
    const dataDir = tempDir();
    configureSync(dataDir, city.hub, { url: city.http.url, enrolToken: 'not-the-token-the-city-issued' });
    edge = await startTestVenue({ venue: testVenue('qinshui'), dataDir });
    const failed = await eventually(
      () => api(edge!, '/api/sync'),
      (r) => r.body.enrolment === 'failed',
    );
    expect(failed.body.enrolment).toBe('failed');
    expect(failed.body.enrolmentError).toEqual(expect.any(String));
    expect(failed.body.outbox).toMatchObject({ state: 'awaiting-enrolment', lastError: failed.body.enrolmentError });
    expect(edge.alarms.openFor('sync-enrolment-failed', SYNC_TARGET)).toMatchObject({
      level: 2,
      details: { error: failed.body.enrolmentError },
    });

    // The installer puts the right token in; the next start enrols and the alarm resolves.
    await edge.stop();
    configureSync(dataDir, city.hub, { url: city.http.url, enrolToken: await city.hub.issueEnrolToken('qinshui') });
    edge = await startTestVenue({ venue: testVenue('qinshui'), dataDir });
    const enrolled = await eventually(
      () => api(edge!, '/api/sync'),
      (r) => r.body.enrolment === 'enrolled',
    );
    expect(enrolled.body).toMatchObject({ enrolment: 'enrolled', enrolmentError: null });
    expect(enrolled.body.outbox.state).not.toBe('awaiting-enrolment');
    expect(edge.alarms.openFor('sync-enrolment-failed', SYNC_TARGET)).toBeNull();

    // A pushed schedule the venue cannot take in full (a double booking) is an alarm naming the sessions.
    const schedule = drawnSchedule('qinshui', { count: 1 });
    schedule.sessions.push({ ...schedule.sessions[0]!, id: 'QINSHUI-CLASH', transactionCode: 'TX-CLASH' });
    await city.hub.pushSchedule('qinshui', schedule);
    const alarm = await eventually(() => edge!.alarms.list({ kind: 'schedule-rejected' })[0], Boolean);
    expect(alarm).toMatchObject({ level: 2, state: 'raised' });
    expect(alarm!.details.rejected).toEqual([
      { index: 1, id: 'QINSHUI-CLASH', error: expect.stringMatching(/room-1 is booked .* by session QINSHUI-1/) },
    ]);
  });
});
