// Done-when for the city console: five venues' real outboxes forward to a real hub; the console in Chromium shows
// each with its state, today's sessions across them, and an alarm raised at one venue arrives in the live feed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JINCHENG_VENUES } from '../../config/venue-loader.ts';
import { ensureDashboardsBuilt } from '../../dashboards/build.ts';
import { axeViolations, launchChromium, screenshotAtBothSizes } from '../../test/chromium.ts';
import { outboxOver } from '../../test/sync-fixture.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { type RunningHub, startHub } from '../hub-app.ts';
import { CityUsers } from './city-users.ts';

const SCREENSHOTS = 'test-output/screenshots';
const PASSWORD = 'city-supervisor-pass';
let running: RunningHub;
let browser: Browser;
let page: Page;
const venues: Awaited<ReturnType<typeof outboxOver>>[] = [];

/** A venue's morning as its edge records it: started, devices reporting, one session today with its experts. */
function morning(venue: Awaited<ReturnType<typeof outboxOver>>, id: string, index: number): void {
  const now = Date.now();
  const { log } = venue;
  log.append({ type: 'edge.started', actor: 'system', data: { bus: 'mqtt://127.0.0.1', http: 'http://127.0.0.1' } });
  for (const [device, kind] of [
    ['gate-1', 'gate'],
    ['door-1', 'door'],
  ])
    log.append({ type: 'device.online', subject: device, actor: device, data: { kind: kind!, reason: 'birth' } });
  // One venue has a door controller down.
  if (index === 1)
    log.append({
      type: 'device.offline',
      subject: 'door-1',
      actor: 'system',
      data: { kind: 'door', reason: 'last-will', lastSeen: now - 5000 },
    });
  const session = `${id.toUpperCase()}-1`;
  log.append({
    type: 'session.scheduled',
    session,
    actor: 'platform',
    data: {
      source: 'platform',
      transactionCode: `TX-${id}-1`,
      project: { code: `P-${id}-1`, name: `${id} 项目` },
      room: 'room-1',
      start: now,
      end: now + 3600_000,
      remote: null,
    },
  });
  log.append({
    type: 'session.experts-authorised',
    session,
    actor: 'platform',
    data: { experts: [1, 2, 3].map((k) => ({ pseudonym: `EX-${id}-${k}`, seat: null })) },
  });
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await ensureDashboardsBuilt();
  running = await startHub({ store: { sqlite: join(tempDir('halledge-city-console-'), 'hub.db') } });
  const users = await CityUsers.open(running.hub.store.db);
  await users.create({ username: 'supervisor', password: PASSWORD, role: 'city-supervisor', displayName: '监管员 赵' });
  for (const [index, id] of JINCHENG_VENUES.entries()) {
    const venue = await outboxOver(id, running.url, { hub: running.hub });
    venues.push(venue);
    morning(venue, id, index);
    venue.outbox.start();
  }
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
  page = await context.newPage();
  await page.goto(running.url);
  await page.getByLabel('用户名').fill('supervisor');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
});

afterAll(async () => {
  await browser?.close();
  for (const venue of venues) await venue.close();
  await running?.stop();
});

describe('the city console', () => {
  it('shows the five venues with their state and today’s sessions across them', async () => {
    const rows = page.locator('[data-testid=venues] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(5);
    for (const id of JINCHENG_VENUES) {
      const row = page.locator(`[data-testid=venues] tr[data-venue=${id}]`);
      await expect.poll(() => row.locator('[data-link]').getAttribute('data-link'), { timeout: 20_000 }).toBe('online');
    }
    await expect
      .poll(() => page.locator('[data-testid=venues] tr[data-venue=jincheng] a').textContent())
      .toBe('晋城市公共资源交易中心');
    const gaoping = page.locator('[data-testid=venues] tr[data-venue=gaoping]');
    await expect.poll(() => gaoping.textContent(), { timeout: 20_000 }).toContain('在线 1 / 离线 1');
    const sessions = page.locator('.sessions [data-testid=sessions] tbody tr');
    await expect.poll(() => sessions.count(), { timeout: 20_000 }).toBe(5);
    expect(await page.locator('.sessions tr[data-session=QINSHUI-1]').textContent()).toContain('0 / 3');
    await page.screenshot({ path: `${SCREENSHOTS}/city-console-overview.png` });
  });

  it('puts an alarm raised at one venue into the live feed', async () => {
    const yangcheng = venues[JINCHENG_VENUES.indexOf('yangcheng')]!;
    const { alarm } = yangcheng.alarms.raise({
      kind: 'forced-open',
      level: 3,
      subject: 'door-1',
      details: { door: 'door-1' },
    });
    const row = page.locator(`[data-testid=alarm-feed] tr[data-alarm="${alarm.id}"][data-venue=yangcheng]`);
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    expect(await row.textContent()).toMatch(/阳城县公共资源交易分中心[\s\S]*严重[\s\S]*门被强行打开[\s\S]*door-1/);
    // The venue's open alarms count it too.
    await expect
      .poll(() => page.locator('[data-testid=venues] tr[data-venue=yangcheng]').textContent(), { timeout: 20_000 })
      .toContain('严重 1');
    await screenshotAtBothSizes(page, 'city-console');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('drills down into a venue, and switches to English', async () => {
    await page.locator('[data-testid=venues] tr[data-venue=gaoping] a').click();
    const detail = page.locator('[data-testid=venue-detail][data-venue=gaoping]');
    await expect.poll(() => detail.locator('[data-testid=devices] tr').count(), { timeout: 20_000 }).toBe(2);
    expect(await detail.locator('[data-testid=devices] tr').first().textContent()).toMatch(/door-1[\s\S]*离线/);
    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => detail.textContent()).toContain('Gaoping Sub-center');
    await page.screenshot({ path: `${SCREENSHOTS}/city-console-venue.png` });
  });
});
