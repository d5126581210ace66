import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { VenueRuntime } from '../../edge/runtime.ts';
import { cameraFrame, photo } from '../../simulators/face-terminal/shared-photos.ts';
import { launchChromium } from '../../test/chromium.ts';
import { api, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';

let edge: VenueRuntime;
let browser: Browser;

/** Chromium's fake camera plays this file: a 640×480 frame of an enrolled expert's face. */
async function cameraFile(): Promise<string> {
  const dir = tempDir('halledge-kiosk-');
  const still = join(dir, 'frame.jpg');
  writeFileSync(still, await cameraFrame([photo('lfw', 'Ariel_Sharon', 2)]));
  const video = join(dir, 'camera.y4m');
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-loop',
    '1',
    '-i',
    still,
    '-t',
    '1',
    '-r',
    '5',
    '-pix_fmt',
    'yuv420p',
    video,
  ]);
  return video;
}

beforeAll(async () => {
  edge = await startTestVenue({ venue: testVenue('qinshui') });
  const now = Date.now();
  edge.services.sessions.importSchedule(
    [
      {
        transactionCode: 'QS-K',
        project: { code: 'PK', name: '设备采购' },
        room: 'room-2',
        start: now - 60_000,
        end: now + 3600_000,
        experts: [{ pseudonym: 'K1', seat: 's3' }],
      },
    ],
    { source: 'platform' },
  );
  if (edge.services.sessions.get('QS-K')!.state === 'scheduled') {
    edge.services.sessions.transition('QS-K', 'checkin-open', { by: 'op' });
  }
  expect((await api(edge, '/api/checkin/consent', { body: { pseudonym: 'K1' } })).status).toBe(204);
  const photos = [0, 1].map((i) => `data:image/jpeg;base64,${photo('lfw', 'Ariel_Sharon', i).toString('base64')}`);
  const enrolled = await api(edge, '/api/checkin/enrol', { body: { pseudonym: 'K1', photos } });
  expect(enrolled.body).toEqual({ templates: 2 });
  browser = await launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${await cameraFile()}`,
  ]);
  // Starting the face workers and loading their models is most of this; a busy machine can double it.
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
});

it('checks an enrolled expert in by face from the kiosk page’s camera, in Chinese', async () => {
  const page = await browser.newPage();
  await page.goto(`${edge.httpUrl}/kiosk/`);
  await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('请刷身份证或直接刷脸签到');
  await page.click('#face-btn');
  await expect.poll(() => page.textContent('#result'), { timeout: 25_000 }).toContain('核验通过');
  const result = await page.textContent('#result');
  expect(result).toContain('第二评标室');
  expect(result).toContain('s3');
  expect(edge.services.sessions.checkinOf('QS-K', 'K1')).toMatchObject({ method: 'face-1:n' });
  await page.screenshot({ path: join(tempDir('halledge-kiosk-shot-'), 'kiosk.png') });
});
