import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { SessionReplay } from '../../edge/video/footage-replay.ts';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { consolePage, launchChromium } from '../../test/chromium.ts';
import { api, authHeaders, eventually, importRunningSession, startTestVenue } from '../../test/venue-harness.ts';
import { ensureDashboardsBuilt } from '../build.ts';
import { formatTime } from '../i18n/index.ts';
import type { Role } from './types.ts';

const SCREENSHOTS = 'test-output/screenshots';
const CAMERA = 'cam-room-1'; // qinshui's camera of room-1
const SESSION = 'QS-CCTV-001';
const MOVED_INTO = 'QS-CCTV-002'; // in room-2, where the room-1 camera is moved while it runs

let browser: Browser;
let edge: VenueRuntime;
const farm = new CameraFarm({ cameras: [{ id: CAMERA, width: 320, height: 180 }], discovery: false });

const pageAs = (role: Role, hash: string) => consolePage(browser, edge, role, hash);

const currentTime = (page: Page, selector: string) =>
  page.locator(selector).evaluate((v: HTMLVideoElement) => v.currentTime);

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The edge serves the pages only if dist exists when it starts: build first (a fresh checkout has none).
  // Pulled over UDP here (the relay serves TCP too); 2 s segments so footage exists within seconds.
  const settings = { camera: { rtspTransport: 'udp' as const }, video: { segmentS: 2 } };
  const [, started] = await Promise.all([
    farm.start().then(() => farm.streamsReady()),
    ensureDashboardsBuilt().then(() => startTestVenue({ settings })),
  ]);
  edge = started;
  edge.services.video.record(CAMERA, farm.streamUrl(CAMERA));
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  await importRunningSession(edge, {
    id: SESSION,
    transactionCode: 'JC-QS-CCTV-001',
    project: { code: 'QSGC-2024-031', name: '沁水县供水管网工程' },
    experts: [{ pseudonym: 'E101', seat: 's1' }],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await farm.stop();
});

describe('camera grid and footage replay in Chromium', { timeout: 60_000 }, () => {
  it('the grid plays the room camera live and shows it recording', async () => {
    const page = await pageAs('witness', 'cameras');
    const tile = page.locator(`[data-camera-tile="${CAMERA}"]`);
    await expect
      .poll(() => currentTime(page, `video[data-camera="${CAMERA}"]`), { timeout: 25_000 })
      .toBeGreaterThan(1);
    const t1 = await currentTime(page, `video[data-camera="${CAMERA}"]`);
    await page.waitForTimeout(1200);
    expect(await currentTime(page, `video[data-camera="${CAMERA}"]`)).toBeGreaterThan(t1 + 0.5);
    await expect.poll(() => tile.locator('.camera-status').textContent(), { timeout: 10_000 }).toBe('录像中');
    // Cameras the edge does not record are listed without a live tile, under their own zone.
    expect(await page.locator('[data-camera-tile="cam-hall"] .no-live').count()).toBe(1);
    await page.screenshot({ path: `${SCREENSHOTS}/camera-grid.png` });
  });

  it("an auditor replays the session's recorded segment; gaps are shown; each playback is audited", async () => {
    const recorded = await eventually(
      () => edge.services.video.timeline(CAMERA, 0, Date.now() + 60_000).segments,
      (s) => s.length >= 1,
      20_000,
    );
    expect(recorded.length).toBeGreaterThanOrEqual(1);
    // Footage from a minute earlier (a copy of the first file, as a run before a restart would have left) makes
    // the time between it and the recording a hole in the camera's footage: the timeline draws it as one gap.
    const first = recorded[0]!;
    const earlier = join(dirname(first.path), 'earlier-run-000000.mp4');
    copyFileSync(first.path, earlier);
    edge.services.video.index.add({ ...first, path: earlier, start: first.start - 60_000, end: first.end - 60_000 });
    const segments = edge.services.video.timeline(CAMERA, 0, Date.now() + 60_000).segments;
    expect(edge.services.video.timeline(CAMERA, 0, first.end, first.end + 60_000).gaps).toEqual([
      { from: first.end - 60_000, to: first.start },
    ]);

    const page = await pageAs('auditor', 'replay');
    expect(await page.locator('nav a[data-page="cameras"]').count()).toBe(0); // live is the floor's
    await page.selectOption('[data-testid=replay-session]', SESSION);
    const timeline = page.locator(`.replay-camera[data-camera="${CAMERA}"]`);
    const shown = async () => Number(/(\d+) 段录像/.exec((await timeline.textContent()) ?? '')?.[1] ?? 0);
    await expect.poll(shown).toBeGreaterThanOrEqual(segments.length);
    expect(await timeline.locator('.recorded').count()).toBeGreaterThanOrEqual(1);
    // The hole made above is drawn; a busy machine may stall the camera and add a real one: each is drawn and counted.
    const gaps = await timeline.locator('.gap').count();
    expect(gaps).toBeGreaterThanOrEqual(1);
    expect(await timeline.textContent()).toContain(`${gaps} 处断档`);
    const before = edge.log.query({ type: 'audit.viewed', limit: 100_000 }).length;
    // ▶ beside the camera plays every camera of the session from its first recording.
    await timeline.locator('button.play-first').click();
    const player = `[data-testid=replay-video][data-camera="${CAMERA}"]`;
    expect(await page.locator(player).getAttribute('data-segment')).toBe(String(segments[0]!.id));
    await expect.poll(() => currentTime(page, player), { timeout: 15_000 }).toBeGreaterThan(0.5);
    await page.screenshot({ path: `${SCREENSHOTS}/footage-replay.png` });

    const replays = edge.log
      .query({ type: 'audit.viewed', limit: 100_000 })
      .slice(before)
      .filter((e) => e.data.purpose === 'footage-replay');
    expect(replays.length).toBeGreaterThanOrEqual(1);
    expect(replays[0]).toMatchObject({
      actor: 'test-auditor',
      session: SESSION,
      subject: CAMERA,
      data: { segment: { sha256: segments[0]!.sha256 } },
    });
  });

  it('serves segments with range requests to the record readers only, and only footage of the session', async () => {
    const footage = (await api<SessionReplay>(edge, `/api/video/replay/${SESSION}`, { role: 'auditor' })).body;
    const camera = footage.cameras.find((c) => c.id === CAMERA)!;
    const segment = camera.segments[0]!;
    const url = `${edge.httpUrl}/api/video/replay/${SESSION}/segments/${segment.id}`;
    const indexed = edge.services.video.timeline(CAMERA, segment.start, segment.end).segments;
    const file = readFileSync(indexed.find((s) => s.id === segment.id)!.path);

    const part = await fetch(url, { headers: { ...(await authHeaders(edge, 'auditor')), range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${file.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(file.subarray(100, 200));

    const bad = await fetch(url, { headers: { ...(await authHeaders(edge, 'auditor')), range: 'bytes=999999999-' } });
    expect(bad.status).toBe(416);
    expect((await api(edge, `/api/video/replay/${SESSION}`, { role: 'operator' })).status).toBe(403);
    // A witness replays only the sessions they witness; this one names no witness.
    const notTheirs = await api(edge, `/api/video/replay/${SESSION}`, { role: 'witness' });
    expect(notTheirs.status).toBe(403);
    expect(notTheirs.body.error).toMatch(/test-witness is not a witness of/);
    const segmentOfIt = `/api/video/replay/${SESSION}/segments/${segment.id}`;
    expect((await api(edge, segmentOfIt, { role: 'witness' })).status).toBe(403);
    expect((await api(edge, `/api/video/replay/${SESSION}/segments/999999`, { role: 'auditor' })).status).toBe(404);
    expect((await api(edge, '/api/video/replay/no-such-session', { role: 'auditor' })).status).toBe(404);
  });

  it('a camera moved into a running session’s room is replayed from the move on, its bound time shown', async () => {
    await importRunningSession(edge, {
      id: MOVED_INTO,
      transactionCode: 'JC-QS-CCTV-002',
      project: { code: 'QSGC-2024-032', name: '沁水县排水管网工程' },
      room: 'room-2',
      experts: [{ pseudonym: 'E201', seat: 's1' }],
    });
    expect((await api(edge, `/api/sessions/${MOVED_INTO}/state`, { body: { to: 'in-progress' } })).status).toBe(200);
    // The service moves any placed camera (the API only adopted ones); the footage binding is the same.
    edge.services.video.move(CAMERA, 'room-2');
    const since = edge.services.video.placement(CAMERA)!.since;
    await eventually(
      () => edge.services.video.timeline(CAMERA, since, Date.now() + 60_000).segments.filter((s) => s.start >= since),
      (s) => s.length >= 1,
      20_000,
    );
    const footage = (await api<SessionReplay>(edge, `/api/video/replay/${MOVED_INTO}`, { role: 'auditor' })).body;
    const moved = footage.cameras.find((c) => c.id === CAMERA)!;
    expect(moved.ranges).toEqual([{ from: since, to: footage.to }]);
    expect(moved.segments.length).toBeGreaterThanOrEqual(1);
    expect(moved.segments.every((s) => s.end > since)).toBe(true);

    const page = await pageAs('auditor', 'replay');
    await page.selectOption('[data-testid=replay-session]', MOVED_INTO);
    const timeline = page.locator(`.replay-camera[data-camera="${CAMERA}"]`);
    await expect
      .poll(() => timeline.locator('.bound-ranges').textContent())
      .toBe(`本场录像时段 ${formatTime(since)}–${formatTime(footage.to)}`);
    expect(await timeline.locator('.bound').count()).toBe(1);
    // The room's own venue-file camera (not recording) is listed too, with no footage.
    expect(await page.locator('.replay-camera[data-camera="cam-room-2"]').textContent()).toContain('0 段录像');
    await timeline.locator('button.play-first').click();
    expect(await page.locator('[data-testid=replay-video]').getAttribute('data-segment')).toBe(
      String(moved.segments[0]!.id),
    );
    await page.screenshot({ path: `${SCREENSHOTS}/footage-replay-moved.png` });
  });
});

describe('check-out on the sessions board', { timeout: 30_000 }, () => {
  it('a witness checks an expert out from the board (checkin.released); the board says when', async () => {
    expect((await api(edge, `/api/sessions/${SESSION}/state`, { body: { to: 'checkin-open' } })).status).toBe(200);
    const manual = await api(edge, '/api/checkin/manual', { body: { pseudonym: 'E101' }, role: 'witness' });
    expect(manual.body).toMatchObject({ accepted: true });
    const page = await pageAs('witness', 'sessions');
    page.on('dialog', (d) => void d.accept());
    const row = page.locator('[data-expert="E101"]');
    await row.locator('button[data-action=check-out]').click();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('已签退');
    expect(await row.locator('button[data-action=check-out]').count()).toBe(0);
    const [released] = edge.log.query({ type: 'checkin.released', session: SESSION });
    expect(released).toMatchObject({ actor: 'test-witness', data: { pseudonym: 'E101', reason: 'check-out' } });
    await page.screenshot({ path: `${SCREENSHOTS}/sessions-check-out.png` });
  });
});
