import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { liveBed } from '../../test/video-bed.ts';

// cam-h publishes real H.265 (libx265), which Debian's Chromium cannot decode (no HEVC in its MSE).
const live = liveBed([
  { id: 'cam-a', width: 320, height: 180 },
  { id: 'cam-h', width: 320, height: 180, codec: 'h265' },
]);
const { video, farm } = live;

beforeAll(() => {
  video.addCamera('cam-a', farm.streamUrl('cam-a'));
  video.addCamera('cam-h', farm.streamUrl('cam-h'));
});

/** The tile became a canvas that jsmpeg keeps drawing: frames decoded at the camera's size, and still coming. */
async function expectMovingCanvas(page: Page, camera = 'cam-a') {
  const tile = page.locator(`canvas#cam-${camera}`);
  const frames = () => tile.evaluate((c: HTMLCanvasElement) => Number(c.dataset.frames));
  await expect.poll(frames, { timeout: 25_000, interval: 250 }).toBeGreaterThan(10);
  expect(await tile.evaluate((c: HTMLCanvasElement) => [c.width, c.height])).toEqual([320, 180]);
  const before = await frames();
  await page.waitForTimeout(1000);
  expect(await frames()).toBeGreaterThan(before + 3);
  expect(await page.locator(`video#cam-${camera}`).count()).toBe(0);
}

/** The live socket's first message for a camera: the mode and the mime type the browser is to decide on. */
async function liveHeader(camera: string): Promise<{ mode: string; mime: string; stream: string }> {
  const ws = new WebSocket(`${live.base.replace('http', 'ws')}/api/video/live/${camera}`);
  const first = await new Promise<string>((ok) => ws.once('message', (data) => ok(data.toString())));
  ws.close();
  return JSON.parse(first);
}

describe('live view', () => {
  it('plays a camera in the browser over MSE without transcoding, and two viewers share one ffmpeg', async () => {
    const page = await live.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${live.base}/live/?cameras=cam-a`);
    const video1 = page.locator('#cam-cam-a');
    await expect
      .poll(() => video1.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000, interval: 250 })
      .toBeGreaterThan(1);
    const t1 = await video1.evaluate((v: HTMLVideoElement) => v.currentTime);
    await page.waitForTimeout(1500);
    const t2 = await video1.evaluate((v: HTMLVideoElement) => v.currentTime);
    expect(t2).toBeGreaterThan(t1 + 0.5); // it keeps playing, not a single decoded frame
    expect(await page.locator('#status').textContent()).toBe('');

    // A second viewer (late joiner) gets the cached init segment and plays from the shared ffmpeg.
    const page2 = await live.browser.newPage();
    await page2.goto(`${live.base}/live/?cameras=cam-a`);
    await expect
      .poll(() => page2.locator('#cam-cam-a').evaluate((v: HTMLVideoElement) => v.currentTime), {
        timeout: 20_000,
        interval: 250,
      })
      .toBeGreaterThan(0.5);
    expect(video.live.pids()).toHaveLength(1);
    expect(errors).toEqual([]);
    // The mime named the stream's own codec, read from its init segment.
    expect(await liveHeader('cam-a')).toEqual({
      mode: 'mse',
      mime: expect.stringMatching(/^video\/mp4; codecs="avc1\.[0-9a-f]{6}"$/),
      stream: 'main',
    });
  }, 60_000);

  it('falls back to MPEG-1 in MPEG-TS (jsmpeg) when asked, transcoding on the server', async () => {
    const ws = new WebSocket(`${live.base.replace('http', 'ws')}/api/video/live/cam-a?mode=mpeg1`);
    const messages: (string | Buffer)[] = [];
    ws.on('message', (data, isBinary) => messages.push(isBinary ? (data as Buffer) : data.toString()));
    await expect.poll(() => messages.length, { timeout: 15_000 }).toBeGreaterThan(3);
    ws.close();
    expect(JSON.parse(messages[0] as string)).toMatchObject({ mode: 'mpeg1' });
    const ts = Buffer.concat(messages.slice(1) as Buffer[]);
    expect(ts[0]).toBe(0x47); // MPEG-TS sync byte, every 188 bytes
    expect(ts[188]).toBe(0x47);
  });

  it('plays the MPEG-1 fallback with jsmpeg in a canvas when asked (mode=mpeg1)', async () => {
    const page = await live.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${live.base}/live/?cameras=cam-a&mode=mpeg1`);
    await expectMovingCanvas(page);
    expect(errors).toEqual([]);
    await page.close();
  }, 40_000);

  it('falls back to jsmpeg by itself for a real H.265 camera the browser cannot play over MSE', async () => {
    const page = await live.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The live hub names H.265 as such (it used to say avc1 for every stream), read from the init segment.
    const { mime } = await liveHeader('cam-h');
    expect(mime).toBe('video/mp4; codecs="hev1.1.6.L60.90"');
    // Chromium's own answer, not an override: this build has no HEVC decoder for MSE (if a later one has, this
    // test must assert MSE playback instead).
    await page.goto(`${live.base}/live/`);
    expect(await page.evaluate((m) => MediaSource.isTypeSupported(m), mime)).toBe(false);
    await page.goto(`${live.base}/live/?cameras=cam-h`);
    await expectMovingCanvas(page, 'cam-h');
    expect(await page.locator('#status').textContent()).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  }, 40_000);

  it('closes the socket with a reason for an unknown camera', async () => {
    const ws = new WebSocket(`${live.base.replace('http', 'ws')}/api/video/live/nope`);
    const code = await new Promise<number>((ok) => ws.on('close', (c) => ok(c)));
    expect(code).toBe(1008);
  });
});
