import { mkdirSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import type { PassageSimulator } from '../../simulators/gate/gate-simulator.ts';
import type { VenueSimulators } from '../../simulators/venue-simulators.ts';
import { axeViolations, consolePage, launchChromium } from '../../test/chromium.ts';
import { api, importRunningSession, simulatorsOf, startTestVenue } from '../../test/venue-harness.ts';
import { ensureDashboardsBuilt } from '../build.ts';

// The monitoring views of docs/console.md ("Monitoring") in Chromium: alarms on the map, the pop-up's linked
// camera, N×N layouts and honest tiles, camera health, room cards, the passage log, 大屏 mode, every page at both
// sizes and an axe-core check of the main pages.
const SCREENSHOTS = 'test-output/screenshots';
const SESSION = 'QS-MON-001';

let browser: Browser;
let edge: VenueRuntime;
let simulators: VenueSimulators;
let witness: Page;
const farm = new CameraFarm({
  cameras: [
    { id: 'cam-room-1', width: 640, height: 360, substream: true },
    { id: 'cam-hall', width: 320, height: 180 },
  ],
  discovery: false,
});

const SIZES = [
  { name: '1920', width: 1920, height: 1080 },
  { name: '1366', width: 1366, height: 768 },
] as const;

async function screenshots(page: Page, name: string) {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `${SCREENSHOTS}/${name}-${size.name}.png` });
  }
  await page.setViewportSize(SIZES[0]);
}

/** A video's playback position: it advances while the live view plays. */
const position = (video: Locator) => video.evaluate((v: HTMLVideoElement) => v.currentTime);

async function expectPlaying(video: Locator) {
  await expect.poll(() => position(video), { timeout: 20_000 }).toBeGreaterThan(1);
}

/** No page of the console may scroll on a wall screen: the document and the page area fit the viewport. */
const overflow = (page: Page) =>
  page.evaluate(() => {
    const doc = document.scrollingElement!;
    const area = document.querySelector('.page')!;
    return {
      document: doc.scrollHeight - innerHeight + Math.max(0, doc.scrollWidth - innerWidth),
      page: area.scrollHeight - area.clientHeight + Math.max(0, area.scrollWidth - area.clientWidth),
    };
  });

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Pulled over UDP here (the relay serves TCP too).
  const settings = { camera: { rtspTransport: 'udp' as const } };
  const [, started] = await Promise.all([
    farm.start().then(() => farm.streamsReady()),
    ensureDashboardsBuilt().then(() => startTestVenue({ settings })),
  ]);
  edge = started;
  edge.services.video.record('cam-room-1', farm.streamUrl('cam-room-1'), {
    substreamUrl: farm.substreamUrl('cam-room-1'),
  });
  edge.services.video.record('cam-hall', farm.streamUrl('cam-hall'));
  const used = ['door-room-1', 'gate-entrance', 'ic-room-1'];
  simulators = await simulatorsOf(edge, (id) => used.includes(id));
  await importRunningSession(edge, {
    id: SESSION,
    transactionCode: 'JC-MON-001',
    project: { code: 'MON-001', name: '监控视图测试项目' },
    experts: [
      { pseudonym: 'M1', seat: 's1' },
      { pseudonym: 'M2', seat: 's2' },
    ],
  });
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  witness = await consolePage(browser, edge, 'witness', 'map');
  await witness.setViewportSize(SIZES[0]);
  witness.setDefaultTimeout(20_000); // a missing element fails the test with its selector rather than hanging it
  await witness.waitForSelector('[data-testid=feed].live');
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await simulators?.stop();
  await edge?.stop();
  await farm.stop();
});

describe('monitoring views in Chromium', { timeout: 90_000 }, () => {
  it('a forced room door: 严重 on the map with its room, the pop-up plays the room camera and calls the room', async () => {
    await (simulators.get('door-room-1') as PassageSimulator).forceOpen();

    const toast = witness.locator('[data-testid=alarm-toast]');
    await expect.poll(() => toast.getAttribute('data-level'), { timeout: 10_000 }).toBe('3');
    expect(await toast.locator('[data-testid=alarm-rule]').textContent()).toBe('门被强行打开');
    // The object names the room the door opens into and the door by its name, not `door-room-1`.
    expect(await toast.locator('[data-testid=alarm-object]').textContent()).toBe('第一评标室 · 1号评标室门');
    await expectPlaying(toast.locator('[data-linked-camera="cam-room-1"] video'));

    const door = witness.locator('[data-door="door-room-1"]');
    await expect.poll(() => door.getAttribute('data-alarm-level')).toBe('3');
    expect(await door.locator('.alarm-ring').count()).toBe(1);
    expect(await witness.getAttribute('[data-zone="room-1"]', 'data-alarm-level')).toBe('3');
    expect(await witness.getAttribute('[data-zone="room-2"]', 'data-alarm-level')).toBeNull();
    expect(await witness.locator('[data-testid=map-legend]').textContent()).toContain('严重预警');
    await screenshots(witness, 'map-forced-door');

    await witness.click('[data-testid=alarm-toast] [data-action=alarm-call-room]');
    const calls = async () =>
      (await api(edge, '/api/intercom/calls')).body as { room: string; direction: string; console: string }[];
    await expect
      .poll(calls, { timeout: 10_000 })
      .toContainEqual(expect.objectContaining({ room: 'room-1', direction: 'to-room' }));
    await screenshots(witness, 'alarm-popup-camera');

    await witness.click('a[data-page=alarms]');
    const row = witness.locator('tr[data-kind="forced-open"]');
    expect(await row.locator('[data-testid=alarm-subject]').textContent()).toBe('1号评标室门');
  });

  it('the map: labels do not overlap, and every room, door and device is reachable by keyboard', async () => {
    await witness.click('a[data-page=map]');
    await witness.locator('.floor-map').waitFor();
    const boxes = await witness.$$eval('.zone-label, .zone-state', (texts) =>
      texts.map((t) => {
        const r = t.getBoundingClientRect();
        return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      }),
    );
    const overlapping = boxes.flatMap((a, i) =>
      boxes
        .slice(i + 1)
        .filter((b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
        .map((b) => `${a.text} / ${b.text}`),
    );
    expect(overlapping).toEqual([]);

    // Tab from the page into the map until the room-1 door has focus, then Enter shows its details.
    await witness.locator('[data-testid=map-legend]').click();
    await witness.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let focused: string | null = null;
    for (let i = 0; i < 60 && focused !== 'door-room-1'; i++) {
      await witness.keyboard.press('Tab');
      focused = await witness.evaluate(() => document.activeElement?.getAttribute('data-door') ?? null);
    }
    expect(focused).toBe('door-room-1');
    await witness.keyboard.press('Enter');
    expect(await witness.locator('[data-testid=map-details] h2').textContent()).toBe('1号评标室门');
  });

  it('camera grid: 1×1 to 4×4 and full screen; tiles say 录像中 only while it is true', async () => {
    await witness.click('a[data-page=cameras]');
    const grid = witness.locator('.camera-grid');
    const cameras = edge.venue.cameras.length;
    for (const n of [1, 2, 3, 4]) {
      await witness.click(`[data-layout="${n}"]`);
      await expect.poll(() => grid.getAttribute('data-layout')).toBe(String(n));
      expect(await grid.locator('.camera-tile').count()).toBe(Math.min(cameras, n * n));
    }
    await witness.click('[data-layout="2"]');
    await expectPlaying(witness.locator('.camera-grid video[data-camera="cam-room-1"]'));
    const status = (camera: string) =>
      witness.locator(`[data-camera-tile="${camera}"] .camera-status`).getAttribute('data-status');
    await expect.poll(() => status('cam-room-1'), { timeout: 15_000 }).toBe('recording');
    expect(await status('cam-entrance')).toBe('not-recording'); // in the venue file, not recorded here
    expect(await witness.locator('[data-camera-tile="cam-entrance"] .camera-status').textContent()).toBe('未录像');

    await witness.click('[data-action=full-screen]');
    await expect.poll(() => witness.evaluate(() => document.fullscreenElement?.className ?? '')).toContain('cameras');
    await witness.screenshot({ path: `${SCREENSHOTS}/camera-grid-full-screen.png` });
    await witness.click('[data-action=full-screen]');
    await expect.poll(() => witness.evaluate(() => document.fullscreenElement === null)).toBe(true);

    // The console loses the edge (its overview no longer answers): no tile may go on saying 录像中.
    await witness.route('**/api/video/overview', (route) => route.abort());
    await expect.poll(() => status('cam-room-1'), { timeout: 15_000 }).toBe('unknown');
    expect(await witness.locator('.camera-status', { hasText: '录像中' }).count()).toBe(0);
    await screenshots(witness, 'camera-grid-edge-lost');
    await witness.unroute('**/api/video/overview');
    await expect.poll(() => status('cam-room-1'), { timeout: 15_000 }).toBe('recording');
    await witness.click('[data-layout="3"]');
    await screenshots(witness, 'camera-grid-3x3');
  });

  it('devices: a recording camera is online, one not recording is not', async () => {
    await witness.click('a[data-page=devices]');
    const camera = (id: string) => witness.locator(`tr[data-device="${id}"]`);
    await expect.poll(() => camera('cam-room-1').getAttribute('class'), { timeout: 15_000 }).toBe('online');
    expect(await camera('cam-room-1').locator('[data-camera-health]').textContent()).toBe('录像中');
    expect(await camera('cam-room-2').getAttribute('class')).toBe('offline');
    expect(await camera('cam-room-2').locator('[data-camera-health]').textContent()).toBe('未录像');
    // The registry says the same: the recorder reports its camera's health (cameras send no heartbeats).
    const { body } = await api(edge, '/api/devices', { role: 'witness' });
    const listed = (id: string) => (body as { id: string; online: boolean }[]).find((d) => d.id === id)?.online;
    expect([listed('cam-room-1'), listed('cam-room-2')]).toEqual([true, false]);
  });

  it('my rooms: status cards with state, check-ins, alarms and the room camera', async () => {
    await witness.click('a[data-page=rooms]');
    await witness.check('input[name=my-room][value="room-1"]');
    const cards = witness.locator('[data-room-card]');
    await expect.poll(() => cards.count()).toBe(1);
    const card = witness.locator('[data-room-card="room-1"]');
    expect(await card.locator('.state').textContent()).toBe('签到中');
    expect(await card.locator('[data-testid=room-checkins]').textContent()).toBe('签到 0/2');
    expect(await card.locator('[data-testid=room-alarms]').textContent()).toMatch(/^预警 \d+ · 严重$/);
    await expectPlaying(card.locator('video[data-camera="cam-room-1"]'));
    await screenshots(witness, 'my-rooms');
    await witness.uncheck('input[name=my-room][value="room-1"]');
    await expect.poll(() => cards.count()).toBe(2);
  });

  it('通行记录: door decisions and alarms of today, filtered by result and door', async () => {
    const gate = simulators.get('gate-entrance') as PassageSimulator;
    expect((await gate.present({ type: 'face', value: 'stranger-face' }, 'in')).granted).toBe(false);
    // The page reads the record when opened (each read is audited, so it does not poll): the refusal first.
    const refused = async () =>
      ((await api(edge, '/api/access/events')).body as { type: string }[]).some((e) => e.type === 'access.denied');
    await expect.poll(refused, { timeout: 10_000 }).toBe(true);
    await witness.click('a[data-page=passages]');
    const rows = witness.locator('tr[data-passage]');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await witness.selectOption('select[name=result]', 'access.denied');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('评标区入口闸机');
    await witness.selectOption('select[name=result]', 'access.door-alarm');
    await witness.selectOption('select[name=door]', 'door-room-1');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('门被强行打开');
    await witness.selectOption('select[name=door]', 'zone-gate');
    await expect.poll(() => rows.count()).toBe(0);
    await witness.selectOption('select[name=door]', '');
    await witness.selectOption('select[name=result]', '');
    await screenshots(witness, 'passages');
    // `since` keeps earlier days out: nothing of today is before the start of the test.
    const later = await api(edge, `/api/access/events?since=${Date.now() + 60_000}`);
    expect(later.body).toEqual([]);
  });

  it('大屏 mode fits 1920×1080 and 3840×2160 without scrolling; the alarm stack keeps the highest level on top', async () => {
    // A later, lower alarm must not top the forced door.
    edge.alarms.raise({ kind: 'tailgating', level: 2, subject: 'door-room-2', details: {} });
    await witness.click('a[data-page=wall]');
    const stack = witness.locator('[data-testid=wall-alarm-stack] li');
    await expect.poll(() => stack.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const levels = await stack.evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-level'))));
    expect(levels).toEqual([...levels].sort((a, b) => b - a));
    expect(levels[0]).toBe(3);
    expect(await witness.locator('.wall [data-zone="room-1"]').getAttribute('data-alarm-level')).toBe('3');
    expect(await witness.locator('.wall [data-room-card]').count()).toBe(2);
    await expectPlaying(witness.locator('.wall-video video[data-camera="cam-room-1"]'));
    for (const size of [
      { width: 1920, height: 1080 },
      { width: 3840, height: 2160 },
      { width: 1366, height: 768 },
    ]) {
      await witness.setViewportSize(size);
      expect(await overflow(witness), `${size.width}×${size.height}`).toEqual({ document: 0, page: 0 });
      await witness.screenshot({ path: `${SCREENSHOTS}/wall-${size.width}.png` });
    }
    await witness.setViewportSize(SIZES[0]);
  });

  it('intercom: consoles have names and the 呼叫评标室 heading clears its select', async () => {
    await witness.evaluate(() => (location.hash = '#/intercom')); // the 大屏 hid the menu
    expect(await witness.locator('select[name=console] option').first().textContent()).toBe('值班台 1');
    const heading = await witness.locator('.call-room h2').boundingBox();
    const select = await witness.locator('.call-room select').boundingBox();
    expect(heading!.y + heading!.height).toBeLessThanOrEqual(select!.y);
  });

  it('resolving the forced door from the pop-up takes its ring off the map; in English the wall reads in English', async () => {
    await witness.evaluate(() => (location.hash = '#/map'));
    const toast = witness.locator('[data-testid=alarm-toast]');
    expect(await toast.getAttribute('data-level')).toBe('3');
    await toast.locator('[data-action=resolve]').click();
    await toast.locator('input[name=note]').fill('门已关闭，现场核查无人进入');
    await toast.locator('button[type=submit]').click();
    const door = witness.locator('[data-door="door-room-1"]');
    await expect.poll(() => door.getAttribute('data-alarm-level'), { timeout: 10_000 }).toBeNull();
    // The pop-up moves on to the next alarm under it (较重).
    await expect.poll(() => toast.getAttribute('data-level'), { timeout: 10_000 }).toBe('2');

    const english = await consolePage(browser, edge, 'witness', 'wall', 'en');
    english.setDefaultTimeout(20_000);
    expect(await english.locator('.wall-head h1').textContent()).toBe('Evaluation zone monitoring');
    expect(await english.locator('[data-testid=map-legend]').textContent()).toContain('Major alarm');
  });

  it('every console page at 1920×1080 and 1366×768, and no serious accessibility violation on the main pages', async () => {
    const admin = await consolePage(browser, edge, 'administrator', 'map');
    admin.setDefaultTimeout(20_000);
    await admin.waitForSelector('[data-testid=feed].live');
    const main = new Set(['map', 'alarms', 'sessions', 'devices', 'cameras', 'rooms', 'passages', 'intercom', 'wall']);
    const violations: Record<string, string[]> = {};
    // Every page in the administrator's menu (the page registry: administrators see them all).
    const ids = await admin.$$eval('nav.menu a[data-page]', (links) => links.map((a) => a.getAttribute('data-page')!));
    expect(ids).toEqual(expect.arrayContaining([...main]));
    for (const id of ids) {
      await admin.goto(`${edge.httpUrl}/#/${id}`);
      await admin.locator(`.page[data-page="${id}"]`).waitFor();
      await screenshots(admin, `page-${id}`);
      if (main.has(id)) {
        const found = await axeViolations(admin);
        if (found.length) violations[id] = found;
      }
    }
    const signIn = await browser.newPage();
    await signIn.goto(edge.httpUrl);
    await signIn.locator('input[name=username]').waitFor();
    const atSignIn = await axeViolations(signIn);
    if (atSignIn.length) violations['sign-in'] = atSignIn;
    expect(violations).toEqual({});
  });
});
