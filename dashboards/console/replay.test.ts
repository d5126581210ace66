import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../edge/runtime.ts';
import type { Segment } from '../../edge/video/segment-index.ts';
import { consolePage, launchChromium } from '../../test/chromium.ts';
import { importRunningSession, startTestVenue, tempDir } from '../../test/venue-harness.ts';
import { ensureDashboardsBuilt } from '../build.ts';

const SESSION = 'RP-MARK-001';
const CAMERA = 'cam-room-1';
const CALL = 'call-rp-1';

let browser: Browser;
let edge: VenueRuntime;
/** The camera's footage: three 1-minute segments with a 1-minute hole between the second and the third. */
let segments: Segment[];
let t0: number;

beforeAll(async () => {
  mkdirSync('test-output/screenshots', { recursive: true });
  await ensureDashboardsBuilt();
  edge = await startTestVenue();
  browser = await launchChromium();
  await importRunningSession(edge, {
    id: SESSION,
    transactionCode: 'JC-RP-001',
    project: { code: 'RP-2026-001', name: '回放标记' },
    experts: [{ pseudonym: 'E201' }],
  });
  const { index } = edge.services.video;
  t0 = Date.now() - 290_000;
  index.lock({ session: SESSION, camera: CAMERA, from: t0 - 600_000, to: t0 + 3 * 3600_000, until: t0 + 86_400_000 });
  const dir = tempDir('replay-footage-');
  mkdirSync(dir, { recursive: true });
  segments = [0, 60_000, 180_000].map((offset, i) => {
    const path = join(dir, `seg-${i}.mp4`);
    writeFileSync(path, Buffer.alloc(1024, i));
    return index.add({
      camera: CAMERA,
      start: t0 + offset,
      end: t0 + offset + 60_000,
      size: 1024,
      path,
      sha256: 'x'.repeat(64),
    });
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
});

describe('replay page: markers, gaps, zoom, speed and calls in Chromium', { timeout: 60_000 }, () => {
  it('draws the gap where footage is missing, seeks to a clicked marker (or says nothing was recorded then), zooms, sets the speed, plays a call', async () => {
    const alarm = (id: string, at: number) =>
      edge.log.append({
        type: 'alarm.raised',
        session: SESSION,
        actor: 'system',
        subject: `door-${id}`,
        at,
        data: { alarmId: id, kind: 'held-open', level: 2, details: {} },
      });
    const inFootage = alarm('rp-a', t0 + 90_000); // 30 s into the second segment
    const inGap = alarm('rp-b', t0 + 150_000);

    // A 3-second call recorded by the intercom (Ogg Opus, as the call recorder writes).
    const recording = join(edge.dataDir, 'recordings', 'intercom', SESSION, `${CALL}.ogg`);
    mkdirSync(dirname(recording), { recursive: true });
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:duration=3',
      '-c:a',
      'libopus',
      recording,
    ]);
    edge.log.append({
      type: 'intercom.recording',
      session: SESSION,
      actor: 'system',
      subject: CALL,
      at: t0 + 210_000,
      data: {
        callId: CALL,
        file: relative(edge.dataDir, recording),
        bytes: 0,
        sha256: '0'.repeat(64),
        seconds: 60,
        codec: 'opus',
        channels: ['station', 'console'],
      },
    });

    const page = await consolePage(browser, edge, 'auditor', 'replay');
    await page.selectOption('[data-testid=replay-session]', SESSION);
    const timeline = page.locator(`.replay-camera[data-camera="${CAMERA}"]`);
    await timeline.locator(`.gap[data-gap="${segments[1]!.end}"]`).waitFor({ timeout: 15_000 });

    await page.locator(`.marker[data-seq="${inFootage.seq}"]`).click();
    const video = page.locator('[data-testid=replay-video]');
    await video.waitFor({ timeout: 10_000 });
    expect(await video.getAttribute('data-segment')).toBe(String(segments[1]!.id));
    expect(await video.getAttribute('data-offset')).toBe('30');

    await page.screenshot({ path: 'test-output/screenshots/replay-markers.png' });
    // Zoom in around the playhead (button, then keyboard): the gap widens; whole session again.
    const gap = timeline.locator(`.gap[data-gap="${segments[1]!.end}"]`);
    const width = async () => (await gap.boundingBox())?.width ?? 0;
    const before = await width();
    await page.locator('[data-testid=zoom-in]').click();
    await page.keyboard.press('+');
    await expect.poll(width).toBeGreaterThan(before * 3);
    await page.locator('[data-testid=zoom-whole]').click();
    await expect.poll(width).toBeCloseTo(before, 0);
    await page.selectOption('[data-testid=replay-speed]', '4');
    expect(await video.evaluate((v: HTMLVideoElement) => v.playbackRate)).toBe(4);

    await page.locator(`.marker[data-seq="${inGap.seq}"]`).click();
    await page.locator('[data-testid=replay-nothing]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=replay-nothing]').textContent()).toContain('无录像');

    // The session's call recording plays on the page; listening is audited.
    await page.locator(`.replay-calls button[data-call="${CALL}"]`).click();
    const audio = page.locator('[data-testid=replay-call]');
    await expect
      .poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 15_000 })
      .toBeGreaterThan(0.2);
    const heard = edge.log
      .query({ type: 'audit.viewed', limit: 100_000 })
      .filter((e) => (e.data.params as { call?: string }).call === CALL);
    expect(heard).toHaveLength(1);

    // Filtering alarms out hides their markers.
    await page.locator('[data-filter=alarm]').uncheck();
    expect(await page.locator(`.marker[data-seq="${inFootage.seq}"]`).count()).toBe(0);
    expect(await page.locator('[data-testid=export-evidence]').count()).toBe(1);
  });
});
