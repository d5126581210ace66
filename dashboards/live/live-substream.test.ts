import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { videoTrackIn } from '../../edge/video/segment-check.ts';
import { eventually } from '../../test/venue-harness.ts';
import { liveBed } from '../../test/video-bed.ts';

// cam-s serves two ONVIF profiles (640×360 main, 320×180 substream); cam-a only its main stream (320×180).
const bed = liveBed([
  { id: 'cam-s', width: 640, height: 360, substream: true },
  { id: 'cam-a', width: 320, height: 180 },
]);
const { video, farm, log } = bed;

beforeAll(async () => {
  for (const id of ['cam-s', 'cam-a']) await video.adopt({ id, onvif: farm.deviceServiceUrl(id) });
}, 30_000);

/** The picture size an MP4 (an init segment, or a whole recorded segment) declares for its video track. */
function videoSize(mp4: Buffer): { width: number; height: number } {
  const track = videoTrackIn(mp4);
  if (!track) throw new Error('no video track');
  return { width: track.width, height: track.height };
}

interface LiveAnswer {
  header: { mode: string; mime: string; stream: string };
  /** What the stream's init segment (the first binary message) declares. */
  size: { width: number; height: number };
  ws: WebSocket;
}

/** Opens a live socket and reads its header and the init segment; the socket stays open until closed. */
async function live(camera: string, query: string): Promise<LiveAnswer> {
  const ws = new WebSocket(`${bed.base.replace('http', 'ws')}/api/video/live/${camera}?${query}`);
  const [header, init] = await new Promise<[string, Buffer]>((ok, fail) => {
    const got: (string | Buffer)[] = [];
    ws.on('message', (data, isBinary) => {
      got.push(isBinary ? (data as Buffer) : data.toString());
      if (got.length === 2) ok(got as [string, Buffer]);
    });
    ws.once('close', (code, reason) => fail(new Error(`closed ${code} ${reason}`)));
  });
  return { header: JSON.parse(header), size: videoSize(init), ws };
}

const playing = (page: Page, camera: string) =>
  page.locator(`#cam-${camera}`).evaluate((v: HTMLVideoElement) => ({ t: v.currentTime, width: v.videoWidth }));

describe('substreams', () => {
  it('adoption picks main and sub from the two ONVIF profiles; only the main stream is recorded', async () => {
    const adopted = Object.fromEntries(
      log.query({ type: 'video.camera-adopted' }).map((e) => [e.subject, (e.data as { streams: unknown }).streams]),
    );
    expect(adopted).toEqual({ 'cam-s': { main: 'main', sub: 'sub' }, 'cam-a': { main: 'main', sub: null } });
    const listed = video.cameras().map(({ camera, substream }) => ({ camera, substream }));
    expect(listed).toEqual([
      { camera: 'cam-s', substream: true },
      { camera: 'cam-a', substream: false },
    ]);
    expect(JSON.stringify(video.cameras())).not.toContain(farm.credentials.password);
    const [segment] = await eventually(
      () => video.timeline('cam-s', 0, Date.now() + 60_000).segments,
      (s) => s.length >= 1,
      15_000,
    );
    expect(videoSize(readFileSync(segment!.path))).toEqual({ width: 640, height: 360 });
  });

  it('stream=sub sends the substream (320×180), stream=main the full picture; a camera without one sends its main', async () => {
    const [sub, main, byDefault] = await Promise.all([
      live('cam-s', 'stream=sub'),
      live('cam-s', 'stream=main'),
      live('cam-s', 'mode=mse'),
    ]);
    expect(sub.header).toMatchObject({ mode: 'mse', stream: 'sub', mime: expect.stringMatching(/avc1\./) });
    expect(sub.size).toEqual({ width: 320, height: 180 });
    expect(main.header.stream).toBe('main');
    expect(main.size).toEqual({ width: 640, height: 360 });
    expect([byDefault.header.stream, byDefault.size.width]).toEqual(['main', 640]);

    // cam-a has one profile: a grid's sub request gets its main stream, from the same ffmpeg as a main viewer.
    const aMain = await live('cam-a', 'stream=main');
    const running = video.live.pids().length;
    const aSub = await live('cam-a', 'stream=sub');
    expect(aSub.header.stream).toBe('main');
    expect(aSub.size).toEqual({ width: 320, height: 180 });
    expect(video.live.pids()).toHaveLength(running);
    for (const a of [sub, main, byDefault, aMain, aSub]) a.ws.close();

    const bad = new WebSocket(`${bed.base.replace('http', 'ws')}/api/video/live/cam-s?stream=thumbnail`);
    const status = await new Promise<number>((ok) => bad.on('unexpected-response', (_req, res) => ok(res.statusCode!)));
    expect(status).toBe(400);
  });

  it('the live page shows several cameras on their substreams and a single camera on its main stream', async () => {
    const page = await bed.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${bed.base}/live/?cameras=cam-s,cam-a`);
    for (const camera of ['cam-s', 'cam-a'])
      await expect.poll(() => playing(page, camera).then((p) => p.t), { timeout: 20_000 }).toBeGreaterThan(1);
    expect((await playing(page, 'cam-s')).width).toBe(320); // decoded from the substream
    expect((await playing(page, 'cam-a')).width).toBe(320); // its only stream
    expect(await page.locator('#cam-cam-s').getAttribute('data-stream')).toBe('sub');

    await page.goto(`${bed.base}/live/?cameras=cam-s`);
    await expect.poll(() => playing(page, 'cam-s').then((p) => p.t), { timeout: 20_000 }).toBeGreaterThan(1);
    expect((await playing(page, 'cam-s')).width).toBe(640);
    expect(await page.locator('#status').textContent()).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  }, 50_000);
});
