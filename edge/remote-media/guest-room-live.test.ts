// 远程异地评标 end to end: the city hub and two real edges, the host venue's witness console (Chromium) playing the
// guest room's live substream relayed guest edge → hub → host edge, and the refusals on the way: a user not on the
// session at the host, a request not signed by the venue at the hub, a forged or misaddressed grant at the guest.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { ensureDashboardsBuilt } from '../../dashboards/build.ts';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { IntercomStationSimulator } from '../../simulators/intercom/station-simulator.ts';
import { CALL_PAGE, consolePage, launchChromium, screenshotAtBothSizes } from '../../test/chromium.ts';
import { MEDIA_GUEST as GUEST, guestRoomScene, MEDIA_HOST as HOST, OPERATOR_TOKEN } from '../../test/remote-fixture.ts';
import { startTestHub, type TestHub } from '../../test/sync-fixture.ts';
import { eventually, signIn } from '../../test/venue-harness.ts';
import { venueRequestHeaders } from '../sync/wire.ts';
import { signMediaGrant } from './media-grant.ts';

const SESSION = 'remote-2026-001';
const CAMERA = 'cam-room-1'; // qinshui's room-1 camera: 640×360 main, 320×180 substream
/** The console user consolePage signs in as for the witness role: on the session's staff at the host. */
const WITNESS = 'test-witness';

let hub: TestHub;
let host: VenueRuntime;
let guest: VenueRuntime;
let browser: Browser;
let station: IntercomStationSimulator;
/** qinshui's room-1 intercom station, answering as soon as it rings. */
const STATION = 'ic-room-1';
const farm = new CameraFarm({ cameras: [{ id: CAMERA, width: 640, height: 360, substream: true }], discovery: false });

beforeAll(async () => {
  mkdirSync('test-output/screenshots', { recursive: true });
  hub = await startTestHub({ operatorToken: OPERATOR_TOKEN });
  await Promise.all([farm.start().then(() => farm.streamsReady()), ensureDashboardsBuilt()]);
  ({ host, guest } = await guestRoomScene(
    hub,
    { main: farm.streamUrl(CAMERA), sub: farm.substreamUrl(CAMERA) },
    { id: SESSION, witness: WITNESS },
  ));
  station = new IntercomStationSimulator(
    { venue: GUEST, kind: 'intercom', id: STATION, password: guest.deviceCredential(STATION) },
    { brokerUrl: guest.bus.deviceUrl, heartbeatS: 1, autoAnswer: true },
  );
  await station.connect();
  browser = await launchChromium(CALL_PAGE);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await station?.stop();
  await host?.stop();
  await guest?.stop();
  await hub?.stop();
  await farm.stop();
});

/** The first refusal a WebSocket upgrade gets: its HTTP status and body. */
function refusedUpgrade(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error(`${url}: upgraded, not refused`));
    });
    ws.on('error', () => {});
  });
}

const guestEvents = (type: string) => guest.log.query({ type }).map((e) => e.data as Record<string, unknown>);

describe('the guest room’s live video at the host, through the city hub', { timeout: 90_000 }, () => {
  it('the host witness’s console plays the guest room’s substream, relayed through the hub', async () => {
    const page = await consolePage(browser, host, 'witness', 'sessions');
    page.setDefaultTimeout(30_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.click(`[data-session="${SESSION}"] [data-action=watch-guest-room][data-venue="${GUEST}"]`);
    const video = page.locator(`[data-guest-room="${GUEST}"] video`);
    const playing = () =>
      video.evaluate((v: HTMLVideoElement) => ({
        t: v.currentTime,
        width: v.videoWidth,
        frames: v.getVideoPlaybackQuality().totalVideoFrames,
      }));
    await expect.poll(() => playing().then((p) => p.t), { timeout: 30_000 }).toBeGreaterThan(1);
    const shown = await playing();
    expect(shown.width).toBe(320); // the substream, not the 640×360 main stream
    expect(shown.frames).toBeGreaterThan(0);
    expect(await page.locator(`[data-guest-room="${GUEST}"] .tile-error`).count()).toBe(0);
    expect(errors).toEqual([]);
    await screenshotAtBothSizes(page, 'guest-room-live');

    // The guest venue recorded whom it streamed to and under which session; the host, who watched.
    expect(guestEvents('remote.media-supplied')).toEqual([
      expect.objectContaining({ kind: 'remote-live', host: HOST, session: SESSION, device: CAMERA }),
    ]);
    const viewed = host.log.query({ type: 'audit.viewed' }).filter((e) => e.actor === WITNESS);
    expect(JSON.stringify(viewed.map((e) => e.data))).toContain(`/api/remote/sessions/:session/guests/:venue/live`);

    // Closing the view ends the relay at every hop: the guest edge records the end, with what it sent.
    await page.click(`[data-guest-room="${GUEST}"] button`);
    const [ended] = await eventually(
      () => guestEvents('remote.media-ended'),
      (e) => e.length === 1,
      20_000,
      'the guest edge to end the stream',
    );
    expect(ended!.sent).toBeGreaterThan(0);
    await page.context().close();
  });

  it('refuses at the host a user not on the session’s staff — to watch or to call — before anything reaches the hub', async () => {
    const token = await signIn(host, 'witness', 'w-not-on-session');
    const url = `${host.httpUrl.replace('http', 'ws')}/api/remote/sessions/${SESSION}/guests/${GUEST}/live`;
    const refused = await refusedUpgrade(url, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toBe(`session: w-not-on-session is not on the staff of ${SESSION}`);
    // A venue that is not the session's guest is no guest room of it.
    const witness = await signIn(host, 'witness', WITNESS);
    const elsewhere = await refusedUpgrade(url.replace(`/guests/${GUEST}/`, '/guests/yangcheng/'), {
      authorization: `Bearer ${witness}`,
    });
    expect(elsewhere.status).toBe(404);
    // Nor does that user call the guest room's station.
    const call = await fetch(`${host.httpUrl}/api/remote/sessions/${SESSION}/guests/${GUEST}/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect([call.status, ((await call.json()) as { error: string }).error]).toEqual([
      403,
      `session: w-not-on-session is not on the staff of ${SESSION}`,
    ]);
  });

  it('refuses at the hub a relay request not signed by the venue it names, or for a session it did not schedule so', async () => {
    const path = (session: string) => `/v1/venues/${HOST}/remote/live?session=${session}&guest=${GUEST}`;
    const wsUrl = (session: string) => `${hub.url.replace('http', 'ws')}${path(session)}`;
    const refused = await refusedUpgrade(wsUrl(SESSION), {
      'x-halledge-at': String(Date.now()),
      'x-halledge-signature': 'AAAA',
    });
    expect(refused.status).toBe(401);

    // Signed by the host venue, but for a session the hub knows no guest room of.
    const signed = venueRequestHeaders(host.services.sync.key.privateKey, HOST, 'GET', path('not-scheduled'));
    const ws = new WebSocket(wsUrl('not-scheduled'), { headers: signed });
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      ws.on('close', (c, r) => resolve([c, r.toString()])),
    );
    expect([code, reason]).toEqual([
      4403,
      `session: not-scheduled is no remote session of ${HOST} with a guest room at ${GUEST}`,
    ]);
  });

  it('the host witness calls the guest room’s station through the hub; both hear each other; the guest records it', async () => {
    const page = await consolePage(browser, host, 'witness', 'sessions');
    page.setDefaultTimeout(30_000);
    await page.click(`[data-session="${SESSION}"] [data-action=call-guest-room][data-venue="${GUEST}"]`);
    const panel = page.locator(`[data-guest-call="${GUEST}"]`);
    await page.waitForSelector(`[data-guest-call="${GUEST}"][data-state=talking]`);
    // The station's voice at the host's browser, and the host's microphone at the guest's station.
    await eventually(
      () => panel.getAttribute('data-in').then(Number),
      (n) => n >= 25,
      20_000,
      "the station's audio at the host console",
    );
    await eventually(
      () => station.heardPackets,
      (n) => n >= 25,
      20_000,
      "the host console's audio at the station",
    );
    const [call] = guest.services.intercom.list({ state: 'talking' });
    expect(call).toMatchObject({ room: 'room-1', direction: 'to-room', console: `remote:${HOST}`, session: SESSION });
    expect(guest.services.intercom.audioPackets(call!.id)).toMatchObject({
      station: expect.any(Number),
      console: expect.any(Number),
    });
    expect(guest.services.intercom.audioPackets(call!.id)!.console).toBeGreaterThan(0);

    await page.click(`[data-guest-call="${GUEST}"] [data-action=hangup-guest-room]`);
    await eventually(
      () => guest.services.intercom.get(call!.id).state,
      (state) => state === 'ended',
      20_000,
      'the guest call to end',
    );
    // Recorded at the guest venue as any call of its station: both sides, bound to the session.
    const recorded = await eventually(
      () => guest.log.query({ type: 'intercom.recording', session: SESSION }),
      (r) => r.length === 1,
      20_000,
      'the call recording at the guest',
    );
    expect(recorded[0]!.data).toMatchObject({ callId: call!.id, channels: ['station', 'console'] });
    expect(guestEvents('remote.media-supplied')).toContainEqual(
      expect.objectContaining({ kind: 'remote-call', host: HOST, session: SESSION, device: 'room-1' }),
    );
    await page.context().close();
  });

  it('passes the guest venue’s refusal back to the host console with its reason (a camera of another room)', async () => {
    const token = await signIn(host, 'witness', WITNESS);
    const ws = new WebSocket(
      `${host.httpUrl.replace('http', 'ws')}/api/remote/sessions/${SESSION}/guests/${GUEST}/live?camera=cam-hall`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      ws.on('close', (c, r) => resolve([c, r.toString()])),
    );
    expect([code, reason]).toEqual([1011, `${GUEST} refused: camera: cam-hall is not in room room-1`]);
    expect(guestEvents('remote.media-refused').at(-1)).toMatchObject({
      kind: 'remote-live',
      host: HOST,
      session: SESSION,
      reason: 'camera: cam-hall is not in room room-1',
    });
  });

  it('refuses at the guest a forged grant, and a hub-signed one naming a venue that does not host the session', async () => {
    const supplier = guest.services.remoteMedia.guest;
    const before = guestEvents('remote.media-supplied').length;
    const fields = {
      kind: 'remote-live' as const,
      relay: 'forged-relay-0000000000',
      host: HOST,
      guest: GUEST,
      session: SESSION,
      camera: null,
    };
    const forged = await supplier.supply(signMediaGrant(generateKeyPairSync('ed25519').privateKey, fields));
    expect(forged).toEqual({ ok: false, error: 'media grant /signature: not signed by the platform key' });

    // Signed with the hub's own key (the test reads it from the hub's directory), but for another host venue.
    const hubKey = createPrivateKey(readFileSync(join(hub.dir, 'hub.key')));
    const misaddressed = await supplier.supply(
      signMediaGrant(hubKey, { ...fields, relay: 'other-host-000000000000', host: 'jincheng' }),
    );
    expect(misaddressed).toEqual({ ok: false, error: `session: ${SESSION} is hosted by ${HOST}, not by jincheng` });
    expect(
      guestEvents('remote.media-refused')
        .map((e) => e.reason)
        .slice(-2),
    ).toEqual([
      'media grant /signature: not signed by the platform key',
      `session: ${SESSION} is hosted by ${HOST}, not by jincheng`,
    ]);
    expect(guestEvents('remote.media-supplied')).toHaveLength(before);
  });
});
