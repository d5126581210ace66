// Wiring of the city console's 远程异地评标 section in Chromium on a real hub: a city-admin schedules a remote session
// through the page (a bad room first: the hub's 400 shows under that field), the hub's signed downlink then holds
// the session for both venues — each edge takes it from there (city/remote/remote-session.test.ts plays that part
// with two edges) — and the page lists it. A supervisor sees the list but no form.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardsBuilt } from '../../dashboards/build.ts';
import { loadOrCreateVenueKey } from '../../edge/sync/keys.ts';
import { launchChromium } from '../../test/chromium.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { type RunningHub, startHub } from '../hub-app.ts';
import { CityUsers } from '../views/city-users.ts';

const SCREENSHOTS = 'test-output/screenshots';
const PASSWORD = 'city-console-pass';
const SESSION = 'JC-RMT-UI-001';
let running: RunningHub;
let browser: Browser;

async function signedIn(username: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1200 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(running.url);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('[data-testid=remote]').waitFor({ timeout: 20_000 });
  return page;
}

/** The session as the hub's signed downlink holds it for a venue (what that venue's edge pulls or is pushed). */
async function downlinkSession(venue: string) {
  const envelopes = await running.hub.downlinkAfter(venue, 0);
  const sessions = envelopes.flatMap((e) => (e.payload as { sessions: Record<string, unknown>[] }).sessions);
  return sessions.find((s) => s.id === SESSION);
}

beforeAll(async () => {
  await ensureDashboardsBuilt();
  running = await startHub({ store: { sqlite: join(tempDir('halledge-remote-console-'), 'hub.db') } });
  for (const venue of ['jincheng', 'gaoping'])
    await running.hub.registerVenue(venue, loadOrCreateVenueKey(tempDir(`halledge-${venue}-key-`)).publicKeyPem);
  const users = await CityUsers.open(running.hub.store.db);
  await users.create({ username: 'chief', password: PASSWORD, role: 'city-admin' });
  await users.create({ username: 'watcher', password: PASSWORD, role: 'city-supervisor' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await running?.stop();
});

describe('远程异地评标 on the city console', () => {
  it('lets a city-admin schedule a remote session that the hub signs for both venues', {
    timeout: 120_000,
  }, async () => {
    const page = await signedIn('chief');
    const form = page.locator('[data-testid=remote-form]');
    const field = (path: string) => form.locator(`[data-path="${path}"]`);
    await field('/id').fill(SESSION);
    await field('/transactionCode').fill('JY-RMT-UI-001');
    await field('/project/code').fill('P-RMT-UI');
    await field('/project/name').fill('跨区域道路工程评标');
    await field('/start').fill('2026-12-07T09:00');
    await field('/end').fill('2026-12-07T12:00');
    await field('/host/venue').selectOption('jincheng');
    await field('/host/room').fill('room-1');
    await field('/host/experts').fill('EX-JC-1, EX-JC-2');
    await field('/host/staff').fill('witness-jincheng');
    await field('/guests/0/venue').selectOption('gaoping');
    await field('/guests/0/room').fill('Room 2');
    await field('/guests/0/experts').fill('EX-GP-1，EX-GP-2');
    await form.getByRole('button', { name: '安排' }).click();
    const roomError = form.locator('[data-error-for="/guests/0/room"]');
    await roomError.waitFor({ timeout: 20_000 });
    expect(await roomError.textContent()).toMatch(/\/guests\/0\/room/);
    expect(await downlinkSession('gaoping')).toBeUndefined();

    await field('/guests/0/room').fill('room-2');
    await form.getByRole('button', { name: '安排' }).click();
    await page.locator('[data-testid=remote-scheduled]').waitFor({ timeout: 20_000 });
    expect(await roomError.count()).toBe(0);

    // 09:00 Beijing time is 01:00 UTC.
    const start = Date.parse('2026-12-07T01:00:00Z');
    expect(await downlinkSession('jincheng')).toMatchObject({
      room: 'room-1',
      start,
      end: start + 3 * 3600_000,
      experts: [{ pseudonym: 'EX-JC-1' }, { pseudonym: 'EX-JC-2' }],
      staff: [{ id: 'witness-jincheng', role: 'witness' }],
      remote: { guests: [{ venue: 'gaoping', room: 'room-2' }] },
    });
    expect(await downlinkSession('gaoping')).toMatchObject({
      room: 'room-2',
      experts: [{ pseudonym: 'EX-GP-1' }, { pseudonym: 'EX-GP-2' }],
      remote: { hostVenue: 'jincheng', hostRoom: 'room-1' },
    });

    const row = page.locator(`[data-testid=remote-sessions] tr[data-remote-session="${SESSION}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toMatch(/room-1[\s\S]*未连接[\s\S]*room-2[\s\S]*未连接[\s\S]*09:00/);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.locator('[data-testid=remote]').screenshot({ path: `${SCREENSHOTS}/city-console-remote.png` });
    await page.context().close();
  });

  it('shows a supervisor the list without the form', { timeout: 60_000 }, async () => {
    const page = await signedIn('watcher');
    await page.locator(`tr[data-remote-session="${SESSION}"]`).waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid=remote-form]').count()).toBe(0);
    await page.context().close();
  });
});
