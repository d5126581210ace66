import { mkdirSync } from 'node:fs';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { consolePage, launchChromium } from '../../test/chromium.ts';
import { startTestVenue } from '../../test/venue-harness.ts';
import { ensureDashboardsBuilt } from '../build.ts';

const SCREENSHOTS = 'test-output/screenshots';
// qinshui's cameras: room-1's has a substream (640×360 main, 320×180 sub), the hall's only its main (320×180).
const ROOM = 'cam-room-1';
const HALL = 'cam-hall';

let browser: Browser;
let edge: VenueRuntime;
const farm = new CameraFarm({
  cameras: [
    { id: ROOM, width: 640, height: 360, substream: true },
    { id: HALL, width: 320, height: 180 },
  ],
  discovery: false,
});

/** A video element's playback position and the width of the picture it decodes. */
const playing = (video: Locator) =>
  video.evaluate((v: HTMLVideoElement) => ({ t: v.currentTime, width: v.videoWidth, stream: v.dataset.stream }));

async function expectPlaying(video: Locator, width: number, stream: string) {
  await expect.poll(() => playing(video).then((p) => p.t), { timeout: 20_000 }).toBeGreaterThan(1);
  expect(await playing(video)).toMatchObject({ width, stream });
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The edge serves the pages only if dist exists when it starts: build first (a fresh checkout has none).
  // Cameras over RTSP/TCP interleaved, their default.
  const settings = { camera: { rtspTransport: 'tcp' as const } };
  const [, started] = await Promise.all([
    farm.start().then(() => farm.streamsReady()),
    ensureDashboardsBuilt().then(() => startTestVenue({ settings })),
  ]);
  edge = started;
  edge.services.video.record(ROOM, farm.streamUrl(ROOM), { substreamUrl: farm.substreamUrl(ROOM) });
  edge.services.video.record(HALL, farm.streamUrl(HALL));
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await farm.stop();
});

describe('camera grid on substreams in Chromium', { timeout: 60_000 }, () => {
  it('grid tiles play substreams (a camera without one its main); 放大 plays the main stream', async () => {
    const page = await consolePage(browser, edge, 'witness', 'cameras');
    page.setDefaultTimeout(20_000); // a missing element fails the test with its selector rather than hanging it
    const tile = (camera: string) => page.locator(`.camera-grid video[data-camera="${camera}"]`);
    await expectPlaying(tile(ROOM), 320, 'sub');
    await expectPlaying(tile(HALL), 320, 'sub'); // asked for sub, sent its only (main) stream
    await page.screenshot({ path: `${SCREENSHOTS}/camera-grid-substreams.png` });

    await page.click(`[data-camera-tile="${ROOM}"] [data-action=enlarge]`);
    const enlarged = page.locator(`.camera-enlarged[data-enlarged="${ROOM}"]`);
    await expectPlaying(enlarged.locator('video'), 640, 'main');
    expect(await enlarged.locator('header').textContent()).toContain('主码流');
    await page.screenshot({ path: `${SCREENSHOTS}/camera-enlarged.png` });
    await page.keyboard.press('Escape');
    await expect.poll(() => enlarged.count()).toBe(0);
    // The grid tile played on meanwhile, still on its substream.
    expect(await playing(tile(ROOM))).toMatchObject({ width: 320, stream: 'sub' });

    const english = await consolePage(browser, edge, 'witness', 'cameras', 'en');
    english.setDefaultTimeout(20_000);
    const button = english.locator(`[data-camera-tile="${ROOM}"] [data-action=enlarge]`);
    await expect.poll(() => button.textContent()).toBe('Enlarge');
    await button.click();
    expect(await english.locator('[data-action=close-enlarged]').textContent()).toBe('Close');
    await english.click('[data-action=close-enlarged]');
    await expect.poll(() => english.locator('.camera-enlarged').count()).toBe(0);
  });
});
