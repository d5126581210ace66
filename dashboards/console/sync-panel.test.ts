import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { consolePage, launchChromium } from '../../test/chromium.ts';
import { configureSync, startTestHub, type TestHub } from '../../test/sync-fixture.ts';
import { startTestVenue, tempDir } from '../../test/venue-harness.ts';
import { ensureDashboardsBuilt } from '../build.ts';

const SCREENSHOTS = 'test-output/screenshots';

let browser: Browser;
let edge: VenueRuntime;
let city: TestHub;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const dataDir = tempDir();
  [city] = await Promise.all([startTestHub(), ensureDashboardsBuilt()]);
  // The venue's key is not registered with the hub yet: every batch is rejected and the lag grows.
  configureSync(dataDir, city.hub, { url: city.url, lagAlarm: { events: 1, seconds: 3600 } });
  [edge, browser] = await Promise.all([startTestVenue({ dataDir }), launchChromium()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await city?.stop();
});

describe('sync panel in Chromium', { timeout: 60_000 }, () => {
  it('shows rejection, lag and the sync-lag alarm, then the catch-up once the hub knows the venue key', async () => {
    const page = await consolePage(browser, edge, 'operator', 'sync');

    await expect.poll(() => page.locator('[data-testid=sync-state]').textContent(), { timeout: 15_000 }).toBe('被拒绝');
    expect(Number(await page.locator('[data-testid=sync-lag-events]').textContent())).toBeGreaterThan(1);
    expect(await page.locator('[data-testid=sync-last-error]').textContent()).not.toBe('—');
    await expect
      .poll(() => page.locator('[data-testid=sync-alarm][data-kind=sync-lag]').textContent(), { timeout: 10_000 })
      .toContain('上传滞后');
    await page.screenshot({ path: `${SCREENSHOTS}/sync-rejected.png` });

    // English: the same facts, other words.
    await page.click('button.link:has-text("English")');
    expect(await page.locator('[data-testid=sync-state]').textContent()).toBe('Rejected');
    expect(await page.locator('th', { hasText: 'Events waiting' }).count()).toBe(1);

    // The city administrator registers the key: the outbox catches up and the alarms clear.
    await city.hub.registerVenue(edge.venue.id, edge.services.sync.key.publicKeyPem);
    await expect
      .poll(() => page.locator('[data-testid=sync-state]').textContent(), { timeout: 15_000 })
      .toBe('Idle (caught up)');
    await expect.poll(() => page.locator('[data-testid=sync-lag-events]').textContent()).toBe('0');
    expect(await page.locator('[data-testid=sync-last-ack]').textContent()).not.toBe('—');
    await expect.poll(() => page.locator('[data-testid=sync-alarm]').count(), { timeout: 10_000 }).toBe(0);
    expect((await city.hub.head(edge.venue.id)).seq).toBeGreaterThan(0);
    await page.screenshot({ path: `${SCREENSHOTS}/sync-caught-up.png` });
    await page.context().close();
  });
});
