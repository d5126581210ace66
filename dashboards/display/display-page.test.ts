import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { launchChromium } from '../../test/chromium.ts';
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

    // A screen whose browser runs in another time zone still shows venue time.
    const page = await browser.newPage({ timezoneId: 'America/New_York' });
    await page.goto(`${edge.httpUrl}/displays/board-room-1`);
    const room = page.locator('section[data-room="room-1"]');
    await room.waitFor();
    expect(await room.getAttribute('data-state')).toBe('preparing');
    expect(await room.textContent()).toContain('准备');
    expect(await room.textContent()).toContain('P-0001');
    expect(await room.textContent()).toContain('1 / 2');
    const start = new Intl.DateTimeFormat('zh-CN', {
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
      timeZone: 'Asia/Shanghai',
    }).format(now - 600_000);
    expect(await room.textContent()).toContain(`开始时间${start}`);

    edge.services.sessions.transition('S1', 'in-progress', { by: 'WIT-1' });
    await page.locator('section[data-room="room-1"][data-state="evaluating"]').waitFor();
    expect(await room.textContent()).toContain('评标中');

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

    const hall = await browser.newPage();
    await hall.goto(`${edge.httpUrl}/displays/board-hall`);
    await hall.locator('section[data-room="room-6"][data-state="idle"]').waitFor();
    expect(await hall.locator('section.room').count()).toBe(6);
  }, 30_000);
});
