import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { FaceTerminalSimulator } from '../../simulators/face-terminal/face-terminal-simulator.ts';
import { cameraFrame, photo } from '../../simulators/face-terminal/shared-photos.ts';
import { FAKE_MEDIA, launchChromium, SCREENS, screenshotAtBothSizes } from '../../test/chromium.ts';
import { api, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';

const ID_K2 = '110105194912310037';
const UNKNOWN_ID = '110105195001010011';

let edge: VenueRuntime;
let browser: Browser;
let terminal: FaceTerminalSimulator;
let page: Page;

/**
 * Chromium's fake camera plays this file: a 640×480 frame of the expert's face with a camera's temporal noise,
 * four seconds long, so that frames captured a second apart are distinct pictures as a live camera's are.
 */
async function cameraFile(): Promise<string> {
  const dir = tempDir('halledge-kiosk-');
  const still = join(dir, 'frame.jpg');
  writeFileSync(still, await cameraFrame([photo('lfw', 'Ariel_Sharon', 2)]));
  const video = join(dir, 'camera.y4m');
  // biome-ignore format: ffmpeg arguments read best as pairs
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-loop', '1', '-i', still, '-t', '4', '-r', '10',
    '-vf', 'noise=alls=6:allf=t', '-pix_fmt', 'yuv420p', video,
  ]);
  return video;
}

/**
 * A kiosk screen at 1920×1080 in a browser set to another time zone. Its clock runs as usual; a test moves it on
 * to see the page reset itself. `bypassCSP` lets a test inject axe-core, which the page's policy rightly refuses.
 */
async function kioskPage(options: { credential?: string; bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: SCREENS[0],
    timezoneId: 'America/New_York',
    bypassCSP: options.bypassCSP ?? false,
  });
  await context.addInitScript(() => {
    const said: { text: string; lang: string }[] = [];
    (window as unknown as { spoken: typeof said }).spoken = said;
    speechSynthesis.speak = (u: SpeechSynthesisUtterance) => void said.push({ text: u.text, lang: u.lang });
  });
  if (options.credential)
    await context.addInitScript((c) => localStorage.setItem('halledge.kiosk.credential', c), options.credential);
  const opened = await context.newPage();
  await opened.clock.install();
  return opened;
}

/** What the page said aloud: speechSynthesis.speak is recorded (headless Chromium has no voice to play it). */
const spoken = () => page.evaluate(() => (window as unknown as { spoken: { text: string; lang: string }[] }).spoken);

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
        experts: [
          { pseudonym: 'K1', seat: 's3' },
          { pseudonym: 'K2', seat: 's5' },
        ],
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
  expect((await api(edge, '/api/checkin/id-cards', { body: { pseudonym: 'K2', idNumber: ID_K2 } })).status).toBe(204);
  // The entrance terminal's chip reader, on the bus as the face terminal the kiosk page is the screen of.
  terminal = new FaceTerminalSimulator(
    { venue: edge.venue.id, kind: 'face-terminal', id: 'ft-entrance', password: edge.deviceCredential('ft-entrance') },
    { brokerUrl: edge.bus.deviceUrl, heartbeatS: 1 },
  );
  await terminal.connect();
  browser = await launchChromium([...FAKE_MEDIA, `--use-file-for-fake-video-capture=${await cameraFile()}`]);
  page = await kioskPage();
  // Starting the face workers and loading their models is most of this; a busy machine can double it.
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await terminal?.stop();
  await edge?.stop();
});

it('pairs once with the administrator’s code as the face terminal, then checks an expert in by face, in Chinese', async () => {
  await page.goto(`${edge.httpUrl}/kiosk/`);
  // Not paired yet: the page asks for the code and the check-in panel is not shown.
  await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toContain('尚未配对');
  expect(await page.isVisible('#face-btn')).toBe(false);
  const issued = await api(edge, '/api/checkin/terminals', { body: { id: 'ft-entrance' } });
  await page.fill('#pair-code', issued.body.pairingCode);
  await page.click('#pair-btn');
  await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('摄像头已就绪');
  // Paired once: a reload keeps the credential.
  await page.reload();
  await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('摄像头已就绪');
  expect(await page.textContent('#prompt')).toBe('请将身份证放在读卡区');
  await screenshotAtBothSizes(page, 'kiosk-idle');

  await page.click('#face-btn');
  await page.locator('#result[data-outcome="accepted"]').waitFor({ timeout: 30_000 });
  const result = (await page.textContent('#result'))!;
  // Where to go, by the names people use: the room, 3号座 (not s3), the locker bank's name (not its id).
  expect(result).toContain('签到成功');
  expect(result).toContain('第二评标室');
  expect(result).toContain('3号座');
  expect(result).toMatch(/手机柜 第\d+格/);
  expect(result).toMatch(/定位牌\d+号/);
  for (const raw of ['s3', 'locker-bank', 'badge', 'Expert', 'check-in']) expect(result).not.toContain(raw);
  // The whole result is on the screen, the 完成 button included, on the smaller screen too.
  await page.setViewportSize(SCREENS[1]);
  const done = (await page.locator('#done-btn').boundingBox())!;
  expect(done.y + done.height).toBeLessThanOrEqual(SCREENS[1].height);
  await page.setViewportSize(SCREENS[0]);
  expect(await page.locator('#result .headline').evaluate((e) => getComputedStyle(e).fontSize)).toBe('56px');
  expect(edge.services.sessions.checkinOf('QS-K', 'K1')).toMatchObject({ method: 'face-1:n' });
  // The record says which terminal verified, and what the presentation checks found.
  const accepted = edge.log.query({ type: 'checkin.accepted' }).at(-1)!;
  expect(accepted.data).toMatchObject({ verifiedBy: 'ft-entrance', checks: { frames: 3, framesWithFace: 3 } });
  // Said aloud in Mandarin.
  const said = await spoken();
  expect(said.at(-1)).toEqual({
    text: expect.stringMatching(/^签到成功。请到第二评标室，3号座。手机请存入手机柜 第\d+格。$/),
    lang: 'zh-CN',
  });
  await screenshotAtBothSizes(page, 'kiosk-accepted');

  // Nobody touches the screen: it returns to the start and the expert's details are gone from it.
  await page.clock.fastForward(20_500);
  await expect.poll(() => page.evaluate(() => document.body.dataset.phase)).toBe('idle');
  const body = (await page.textContent('body'))!;
  for (const gone of ['签到成功', '第二评标室', '3号座', '手机柜 第']) expect(body).not.toContain(gone);
  expect(await page.isVisible('#result')).toBe(false);
}, 90_000);

it('checks in with the card the terminal’s chip reader read: no typing, no file, the camera captures by itself', async () => {
  const before = (await spoken()).length;
  await terminal.readCard({ idNumber: ID_K2, name: '测试专家', photo: photo('lfw', 'Ariel_Sharon', 0) });
  await page.locator('#result[data-outcome="accepted"]').waitFor({ timeout: 30_000 });
  expect(await page.textContent('#result')).toContain('5号座');
  expect(edge.services.sessions.checkinOf('QS-K', 'K2')).toMatchObject({ method: 'id-card+face' });
  const said = (await spoken()).slice(before).map((s) => s.text);
  expect(said[0]).toBe('已读取身份证，请正视摄像头，保持不动');
  expect(said.at(-1)).toMatch(/^签到成功。请到第二评标室，5号座。/);
  // The number never shows on the screen.
  expect(await page.textContent('body')).not.toContain(ID_K2);
  await page.click('#done-btn');
  expect(await page.evaluate(() => document.body.dataset.phase)).toBe('idle');
}, 90_000);

it('shows a refusal large with what to do next, silent when the venue mutes it; no serious accessibility problem', async () => {
  // The same terminal's screen, opened where axe-core may be injected.
  const credential = (await page.evaluate(() => localStorage.getItem('halledge.kiosk.credential')))!;
  await page.context().close();
  page = await kioskPage({ credential, bypassCSP: true });
  await page.goto(`${edge.httpUrl}/kiosk/`);
  await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('摄像头已就绪');
  await page.click('#mute');
  expect(await page.getAttribute('#mute', 'aria-pressed')).toBe('true');
  const before = (await spoken()).length;
  await terminal.readCard({ idNumber: UNKNOWN_ID, name: '测试专家', photo: photo('lfw', 'Colin_Powell', 0) });
  await page.locator('#result[data-outcome="refused"]').waitFor({ timeout: 30_000 });
  const result = (await page.textContent('#result'))!;
  expect(result).toContain('今日无您的评标安排，请联系工作人员');
  expect(result).toContain('请联系见证人人工核验');
  expect(await page.locator('#result .headline').evaluate((e) => getComputedStyle(e).fontSize)).toBe('56px');
  expect((await spoken()).length).toBe(before);
  await screenshotAtBothSizes(page, 'kiosk-refused');

  // No text under 24 px anywhere on the page, and nothing in English.
  const smallest = await page.evaluate(() =>
    Math.min(
      ...[...document.querySelectorAll('body *')]
        .filter((e) => e.childNodes.length && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim()))
        .map((e) => Number.parseFloat(getComputedStyle(e).fontSize)),
    ),
  );
  expect(smallest).toBeGreaterThanOrEqual(24);
  expect(await page.locator('body').textContent()).not.toMatch(/[A-Za-z]{3,}/);

  const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  for (const size of SCREENS) {
    await page.setViewportSize(size);
    if (size === SCREENS[0]) await page.addScriptTag({ content: axe });
    const violations = await page.evaluate(async () => {
      const run = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } })
        .axe.run;
      return (await run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  }
  await page.click('#mute');
}, 90_000);

it('prompts the venue’s challenge aloud and, when it is not met, shows the look-again answer large with 再试一次', async () => {
  // A venue asking for a blink; the fake camera's still face never blinks.
  const strict = await startTestVenue({ venue: { ...testVenue('qinshui'), checkin: { challenge: 'blink' } } });
  try {
    const issued = await api(strict, '/api/checkin/terminals', { body: { id: 'ft-entrance' } });
    const paired = await api(strict, '/api/checkin/terminals/pair', { body: { code: issued.body.pairingCode } });
    await page.context().close();
    page = await kioskPage({ credential: paired.body.credential });
    await page.goto(`${strict.httpUrl}/kiosk/`);
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('摄像头已就绪');
    await page.click('#face-btn');
    await page.locator('#result[data-outcome="look-again"]').waitFor({ timeout: 60_000 });
    expect((await spoken()).map((s) => s.text)).toEqual([
      '请正视摄像头，保持不动',
      '请眨眨眼',
      '未完成动作提示，请按提示再试一次。请点击再试一次。',
    ]);
    expect(await page.locator('#result .headline').textContent()).toBe('未完成动作提示，请按提示再试一次');
    expect(await page.locator('#result .headline').evaluate((e) => getComputedStyle(e).fontSize)).toBe('56px');
    expect(await page.isVisible('#retry-btn')).toBe(true);
    await screenshotAtBothSizes(page, 'kiosk-look-again');
  } finally {
    await strict.stop();
  }
}, 120_000);
