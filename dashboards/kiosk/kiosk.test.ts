import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { cameraFrame, photo } from '../../simulators/face-terminal/shared-photos.ts';
import { launchChromium } from '../../test/chromium.ts';
import { api, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';

let edge: VenueRuntime;
let browser: Browser;

/**
 * Chromium's fake camera plays this file: a 640×480 frame of an enrolled expert's face with a camera's temporal
 * noise, four seconds long, so that frames captured a second apart are distinct pictures as a live camera's are.
 */
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
    '4',
    '-r',
    '10',
    '-vf',
    'noise=alls=6:allf=t',
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

it('pairs once with the administrator’s code, then checks an enrolled expert in by face, in Chinese', async () => {
  const page = await browser.newPage();
  await page.goto(`${edge.httpUrl}/kiosk/`);
  // Not paired yet: the page asks for the code and the check-in buttons are not shown.
  await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toContain('尚未配对');
  expect(await page.isVisible('#face-btn')).toBe(false);
  const issued = await api(edge, '/api/checkin/terminals', { body: { id: 'kiosk-entrance' } });
  await page.fill('#pair-code', issued.body.pairingCode);
  await page.click('#pair-btn');
  await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('请刷身份证或直接刷脸签到');
  // Paired once: a reload keeps the credential.
  await page.reload();
  await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('请刷身份证或直接刷脸签到');
  await page.click('#face-btn');
  await expect.poll(() => page.textContent('#result'), { timeout: 25_000 }).toContain('核验通过');
  const result = await page.textContent('#result');
  expect(result).toContain('第二评标室');
  expect(result).toContain('s3');
  expect(edge.services.sessions.checkinOf('QS-K', 'K1')).toMatchObject({ method: 'face-1:n' });
  // The record says which terminal verified, and what the presentation checks found.
  const accepted = edge.log.query({ type: 'checkin.accepted' }).at(-1)!;
  expect(accepted.data).toMatchObject({ verifiedBy: 'kiosk-entrance', checks: { frames: 3, framesWithFace: 3 } });
  expect((accepted.data.checks as { spreadMs: number }).spreadMs).toBeGreaterThanOrEqual(1000);
  await page.screenshot({ path: join(tempDir('halledge-kiosk-shot-'), 'kiosk.png') });
});
