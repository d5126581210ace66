import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { consolePage, launchChromium } from '../../test/chromium.ts';
import { api, startTestVenue } from '../../test/venue-harness.ts';
import { ensureDashboardsBuilt } from '../build.ts';
import type { Role } from './types.ts';

const SCREENSHOTS = 'test-output/screenshots';
const CAMERA = 'cam-extra'; // not in qinshui's venue file: discovery finds it

let browser: Browser;
let edge: VenueRuntime;
const farm = new CameraFarm({ cameras: [{ id: CAMERA, width: 320, height: 180 }] });

const pageAs = (role: Role, hash: string, locale: 'zh-CN' | 'en' = 'zh-CN') =>
  consolePage(browser, edge, role, hash, locale);

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await farm.start();
  // Built before the server starts: it lists the pages' files when it starts.
  await ensureDashboardsBuilt();
  // Discovery probes the farm's WS-Discovery responder on loopback (the configured target, as on site);
  // pulled over UDP here (the relay serves TCP too); 2 s segments so recording shows within seconds.
  edge = await startTestVenue({
    settings: {
      camera: { discovery: [`127.0.0.1:${farm.discoveryPort}`], rtspTransport: 'udp' },
      video: { segmentS: 2 },
    },
  });
  browser = await launchChromium();
  await farm.streamsReady();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await farm.stop();
});

describe('camera administration in Chromium', { timeout: 60_000 }, () => {
  it('the administrator discovers a camera, adopts it (wrong, then right credentials), sees it, removes it', async () => {
    const page = await pageAs('administrator', 'camera-admin');
    // The venue file's cameras are listed with their state (none is recorded in this test).
    const venueRow = page.locator('[data-venue-camera="cam-room-1"]');
    await expect.poll(() => venueRow.textContent()).toContain('未录像');
    // The adopted list is a poll of its own: it may answer after the venue's cameras.
    await expect.poll(() => page.locator('.camera-admin').textContent()).toContain('尚未接入摄像机');

    await page.getByRole('button', { name: '开始发现' }).click();
    const xaddr = farm.deviceServiceUrl(CAMERA);
    const found = page.locator(`[data-discovered="${xaddr}"]`);
    await found.waitFor();
    expect(await page.locator('[data-discovered]').count()).toBe(1); // nothing of the venue file
    expect(await found.textContent()).toContain('SimCam-1');
    await found.getByRole('button', { name: '接入' }).click();

    const form = page.locator('[data-testid=adopt-form]');
    expect(await form.locator('input[name=id]').inputValue()).toBe(CAMERA); // from its ONVIF name
    await form.locator('input[name=name]').fill('一号评标室补充摄像机');
    await form.locator('select[name=zone]').selectOption('room-1');
    await form.locator('input[name=username]').fill(farm.credentials.username);
    await form.locator('input[name=password]').fill('wrong-password');
    await form.getByRole('button', { name: '接入' }).click();
    const refused = form.locator('[data-error=xaddr]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('摄像机拒绝接入');
    expect(await form.locator('[data-error]').count()).toBe(1);
    expect((await api(edge, '/api/video/adopted')).body).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/camera-admin-refused.png` });

    await form.locator('input[name=password]').fill(farm.credentials.password);
    await form.getByRole('button', { name: '接入' }).click();
    await page.locator('[data-testid=camera-admin-notice]').filter({ hasText: '已接入' }).waitFor();
    expect(await form.count()).toBe(0);
    expect(await found.count()).toBe(0); // no longer a candidate
    const row = page.locator(`[data-adopted="${CAMERA}"]`);
    expect(await row.textContent()).toContain('一号评标室补充摄像机');
    expect(await row.textContent()).toContain('第一评标室');
    // The edge records it at once: the listing's state follows (polled).
    await expect.poll(() => row.locator('.camera-status').textContent(), { timeout: 25_000 }).toBe('录像中');
    expect(edge.log.query({ type: 'video.camera-added' }).at(-1)).toMatchObject({
      subject: CAMERA,
      data: { zone: 'room-1', xaddr },
    });
    // When, in venue time (Asia/Shanghai) whatever the browser's zone.
    const adoptedAt = ((await api(edge, '/api/video/adopted')).body as { adoptedAt: number }[])[0]!.adoptedAt;
    const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit' });
    expect(await row.textContent()).toContain(hhmm.format(adoptedAt));
    await page.screenshot({ path: `${SCREENSHOTS}/camera-admin-adopted.png` });

    // Moving it to another room: the form starts at its room (nothing to confirm), the camera records on.
    const runOf = () =>
      edge.log
        .query({ type: 'video.segment' })
        .filter((e) => e.subject === CAMERA)
        .map((e) => e.data.run);
    await row.getByRole('button', { name: '更换房间' }).click();
    const move = row.locator('[data-testid=move-form]');
    expect(await move.locator('select[name=zone]').inputValue()).toBe('room-1');
    expect(await move.getByRole('button', { name: '确认更换' }).isDisabled()).toBe(true);
    await move.getByRole('button', { name: '取消' }).click();
    expect(await move.count()).toBe(0);
    expect(edge.log.query({ type: 'video.camera-moved' })).toEqual([]);
    await row.getByRole('button', { name: '更换房间' }).click();
    await move.locator('select[name=zone]').selectOption('room-2');
    await page.screenshot({ path: `${SCREENSHOTS}/camera-admin-move.png` });
    await move.getByRole('button', { name: '确认更换' }).click();
    await page
      .locator('[data-testid=camera-admin-notice]')
      .filter({ hasText: '已将 一号评标室补充摄像机 移至 第二评标室' })
      .waitFor();
    expect(await move.count()).toBe(0);
    await expect.poll(() => row.locator('.camera-zone').textContent()).toContain('第二评标室');
    const moved = edge.log.query({ type: 'video.camera-moved' });
    expect(moved).toMatchObject([{ subject: CAMERA, data: { from: 'room-1', to: 'room-2' } }]);
    expect(await row.locator('.camera-zone').textContent()).toContain(hhmm.format(moved[0]!.data.since as number));
    expect(edge.services.video.camerasIn('room-2')).toContain(CAMERA);
    // It records on: more segments after the move, all from the one ffmpeg run it had before.
    const segmentsAtMove = runOf().length;
    await expect.poll(() => runOf().length, { timeout: 15_000 }).toBeGreaterThan(segmentsAtMove);
    expect(new Set(runOf()).size).toBe(1);
    expect(await row.locator('.camera-status').textContent()).toBe('录像中');
    await page.screenshot({ path: `${SCREENSHOTS}/camera-admin-moved.png` });

    // Removal asks first; cancelling keeps it.
    await row.getByRole('button', { name: '移除' }).click();
    expect(await row.locator('.confirm-remove').textContent()).toContain('确认移除 一号评标室补充摄像机');
    await row.getByRole('button', { name: '取消' }).click();
    expect((await api(edge, '/api/video/adopted')).body).toHaveLength(1);
    await row.getByRole('button', { name: '移除' }).click();
    await row.getByRole('button', { name: '确认移除' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await api(edge, '/api/video/adopted')).body).toEqual([]);
    expect(edge.log.query({ type: 'video.camera-removed' }).at(-1)).toMatchObject({ subject: CAMERA });
    expect(await page.locator('[data-testid=camera-admin-notice]').textContent()).toContain('已移除');
  });

  it('reads in English; a bad probe target is refused naming it', async () => {
    const page = await pageAs('administrator', 'camera-admin', 'en');
    await page.getByRole('heading', { name: 'Discover cameras (WS-Discovery)' }).waitFor();
    expect(await page.locator('nav a[data-page="camera-admin"]').textContent()).toContain('Camera admin');
    // A bad target is refused by the API naming it.
    await page.locator('input[name=targets]').fill('no-port');
    await page.getByRole('button', { name: 'Discover' }).click();
    await page.locator('[data-error=targets]').waitFor();
    expect(await page.locator('[data-error=targets]').textContent()).toMatch(/^targets\/0:/);
  });

  it('a witness does not have the page', async () => {
    const page = await pageAs('witness', 'camera-admin');
    await page.locator('nav a[data-page="cameras"]').waitFor();
    expect(await page.locator('nav a[data-page="camera-admin"]').count()).toBe(0);
    expect(await page.locator('main.page').getAttribute('data-page')).not.toBe('camera-admin');
    expect((await api(edge, '/api/video/adopted', { role: 'witness' })).status).toBe(403);
  });
});
