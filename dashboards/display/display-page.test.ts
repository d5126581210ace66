import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { launchChromium, SCREENS, screenshotAtBothSizes } from '../../test/chromium.ts';

import { api, eventually, startTestVenue, testVenue } from '../../test/venue-harness.ts';

let browser: Browser;
let edge: VenueRuntime | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await edge?.stop();
  edge = undefined;
});

describe('display web page', () => {
  it('shows the room board live, follows session changes, shows and acknowledges notices, names nobody', async () => {
    edge = await startTestVenue({ venue: testVenue('jincheng') });
    const now = Date.now();
    edge.services.sessions.importSchedule(
      [
        {
          id: 'S1',
          transactionCode: 'JC-1',
          project: { code: 'P-0001', name: '保密项目名称' },
          room: 'room-1',
          start: now - 600_000,
          end: now + 3_600_000,
          experts: [{ pseudonym: 'EXP-ZHANGSAN' }, { pseudonym: 'EXP-LISI' }],
        },
      ],
      { source: 'platform' },
    );
    edge.services.sessions.transition('S1', 'checkin-open', { by: 'WIT-1' });
    edge.services.sessions.recordCheckin({ session: 'S1', pseudonym: 'EXP-LISI', method: 'manual' });

    // A 1920×1080 screen whose browser runs in another time zone still shows venue time.
    const page = await browser.newPage({ timezoneId: 'America/New_York', viewport: SCREENS[0] });
    await page.goto(`${edge.httpUrl}/displays/board-room-1`);
    const room = page.locator('section[data-room="room-1"]');
    await room.waitFor();
    expect(await room.getAttribute('data-state')).toBe('preparing');
    expect(await room.textContent()).toContain('准备');
    expect(await room.textContent()).toContain('P-0001');
    expect(await room.textContent()).toContain('1 / 2');
    const shanghaiTime = new Intl.DateTimeFormat('zh-CN', {
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
      timeZone: 'Asia/Shanghai',
    });
    const start = shanghaiTime.format(now - 600_000);
    // Not started yet (still in check-in, its scheduled start past): the planned start, and no time used.
    expect(await room.textContent()).toContain(`计划开始${start}`);
    expect(await room.textContent()).toContain('已用时间未开始');
    // The board fills the screen, without scrolling.
    // (Measured in the page: the board is redrawn every second, which detaches an element handle.)
    const box = await room.evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect);
    expect(box.width).toBeGreaterThan(1920 * 0.95);
    expect(box.height).toBeGreaterThan(1080 * 0.8);
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(1080);
    const stateSize = await room.locator('.state').evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
    expect(stateSize).toBeGreaterThan(100);
    // The header clock is venue time too.
    const hour = new Intl.DateTimeFormat('zh-CN', { hour: '2-digit', hour12: false, timeZone: 'Asia/Shanghai' });
    expect(await page.textContent('#clock')).toMatch(new RegExp(`${hour.format(Date.now()).slice(0, 2)}:\\d\\d:`));

    edge.services.sessions.transition('S1', 'in-progress', { by: 'WIT-1' });
    await page.locator('section[data-room="room-1"][data-state="evaluating"]').waitFor();
    expect(await room.textContent()).toContain('评标中');
    // Counted from the actual start, not from the scheduled start ten minutes ago.
    expect(await room.locator('dd').nth(2).textContent()).toMatch(/^0:0[0-2]:\d\d$/);

    const sent = await api(edge, '/api/displays/notices', {
      body: { target: 'room-1', text: '午餐已送达', by: 'WIT-1' },
    });
    expect(sent.status).toBe(200);
    await page.locator('#notice', { hasText: '午餐已送达' }).waitFor();
    const acked = await eventually(
      () => edge!.log.query({ type: 'display.notice-acked' }),
      (e) => e.length === 1,
    );
    expect(acked[0]).toMatchObject({ subject: 'board-room-1', data: { noticeId: sent.body.noticeId } });

    const html = await page.content();
    for (const secret of ['EXP-ZHANGSAN', 'EXP-LISI', '保密项目名称']) expect(html).not.toContain(secret);

    await screenshotAtBothSizes(page, 'display-room');
    // Ended: the time it ran stays on the board (it showed 0:00:00), and no longer ticks.
    edge.services.sessions.transition('S1', 'completed', { by: 'WIT-1' });
    await page.locator('section[data-room="room-1"][data-state="ended"]').waitFor();
    const { startedAt } = edge.services.displays.boardOf('board-room-1').rooms[0]!;
    // The actual start, in venue time.
    expect(await room.textContent()).toContain(`开始时间${shanghaiTime.format(startedAt!)}`);
    const ranFor = await room.locator('dd').nth(2).textContent();
    expect(ranFor).toMatch(/^0:0[0-2]:\d\d$/);
    expect(ranFor).not.toBe('—');

    const hall = await browser.newPage({ timezoneId: 'Europe/London', viewport: SCREENS[0] });
    await hall.goto(`${edge.httpUrl}/displays/board-hall`);
    await hall.locator('section[data-room="room-6"][data-state="idle"]').waitFor();
    expect(await hall.locator('section.room').count()).toBe(6);
    // Six rooms on a 1920×1080 screen: 3 × 2 cards over the whole screen.
    const cards = await hall.locator('section.room').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { x: Math.round(r.x), y: Math.round(r.y), w: r.width, h: r.height };
      }),
    );
    expect(new Set(cards.map((c) => c.x)).size).toBe(3);
    expect(new Set(cards.map((c) => c.y)).size).toBe(2);
    for (const c of cards) expect([c.w > 600, c.h > 450]).toEqual([true, true]);
    await screenshotAtBothSizes(hall, 'display-hall');
  }, 30_000);
});
