import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { DeviceSimulator } from '../../simulators/device-simulator.ts';
import type { VenueSimulators } from '../../simulators/venue-simulators.ts';
import { launchChromium } from '../../test/chromium.ts';
import {
  api,
  ensureUser,
  eventually,
  importRunningSession,
  sessionCookie,
  simulatorFor,
  simulatorsOf,
  startTestVenue,
} from '../../test/venue-harness.ts';
import { ensureDashboardsBuilt } from '../build.ts';
import type { Role } from './types.ts';

const SCREENSHOTS = 'test-output/screenshots';
const FLOOR = ['map', 'alarms', 'sessions', 'devices'];
const MENUS: Record<Role, string[]> = {
  administrator: [
    ...FLOOR,
    'intercom',
    'users',
    'cameras',
    'replay',
    'audit',
    'sync',
    'camera-admin',
    'rooms',
    'passages',
    'wall',
  ],
  witness: [...FLOOR, 'intercom', 'cameras', 'replay', 'sync', 'rooms', 'passages', 'wall'],
  auditor: [...FLOOR, 'replay', 'audit', 'sync', 'passages'],
  operator: [...FLOOR, 'cameras', 'sync', 'rooms', 'wall'],
};

let browser: Browser;
let edge: VenueRuntime;
let simulators: VenueSimulators;
let rtls: DeviceSimulator;
const contexts: BrowserContext[] = [];
/** One signed-in page per role, made by the first test and reused by the others. */
const pages = new Map<Role, Page>();
const pageOf = (role: Role) => {
  const page = pages.get(role);
  if (!page) throw new Error(`no signed-in ${role} page (the sign-in test makes them)`);
  return page;
};

const EXPERT = 'E001';
const EXPERT_NAME = '张三丰';
const BADGE = 'badge-7';
const SESSION = 'QS-2024-001';

/** A browser at wall-screen size, signed in through the sign-in form as a user of the role. */
async function signedInPage(role: Role): Promise<Page> {
  const username = `${role}-console`;
  const password = await ensureUser(edge, username, role);
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(edge.httpUrl);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=feed].live');
  return page;
}

const login = (username: string, password: string) =>
  fetch(`${edge.httpUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

beforeAll(async () => {
  await ensureDashboardsBuilt();
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
  edge = await startTestVenue();
  // Every device but the positioning engine runs its simulator; the test moves the expert itself.
  simulators = await simulatorsOf(edge, (id) => id !== 'rtls-1');
  rtls = simulatorFor(edge, 'rtls-1');
  await rtls.connect();
  await importRunningSession(edge, {
    id: SESSION,
    transactionCode: 'JC-QS-2024-001',
    project: { code: 'QSGC-2024-017', name: '沁水县道路改造工程施工' },
    experts: [
      { pseudonym: EXPERT, seat: 's1' },
      { pseudonym: 'E002', seat: 's2' },
      { pseudonym: 'E003', seat: 's3' },
    ],
  });
  expect((await api(edge, `/api/people/${EXPERT}/name`, { method: 'PUT', body: { name: EXPERT_NAME } })).status).toBe(
    200,
  );
  edge.services.sessions.recordCheckin({ session: SESSION, pseudonym: EXPERT, method: 'id-card+face', badge: BADGE });
  await eventually(
    () => edge.registry.list().filter((d) => d.online).length,
    (n) => n >= edge.venue.devices.length,
  );
}, 60_000);

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await rtls?.stop();
  await simulators?.stop();
  await edge?.stop();
});

// Generous limits: Chromium shares CI's two cores with the other test files.
describe('hall console in Chromium', { timeout: 60_000 }, () => {
  it('signs in as each role; sign-in is refused with a wrong password', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(edge.httpUrl);
    await page.screenshot({ path: `${SCREENSHOTS}/sign-in.png` });
    await page.fill('input[name=username]', 'nobody');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('登录失败');

    const labels: Record<Role, string> = {
      administrator: '管理员',
      witness: '见证/监督',
      auditor: '审计',
      operator: '运维',
    };
    const roles = Object.keys(labels) as Role[];
    const signed = await Promise.all(roles.map(signedInPage));
    for (const [i, role] of roles.entries()) {
      expect(await signed[i]!.textContent('[data-testid=user]')).toContain(labels[role]);
      // Every role has the four floor pages and sync; live cameras and the intercom are the floor's, replay the
      // record readers'; only the administrator manages users.
      const menu = await signed[i]!.locator('nav.menu a').evaluateAll((as) => as.map((a) => a.dataset.page));
      expect(menu).toEqual(MENUS[role]);
      pages.set(role, signed[i]!);
    }

    // The administrator makes a new witness, who can then sign in.
    const admin = pageOf('administrator');
    await admin.click('a[data-page=users]');
    await admin.fill('.users input[name=username]', 'zhao-witness');
    await admin.fill('.users input[name=displayName]', '见证人 赵');
    await admin.fill('.users input[name=password]', 'zhao-password-1');
    await admin.selectOption('.users select[name=role]', 'witness');
    await admin.click('.users button[type=submit]');
    await admin.locator('tr[data-user="zhao-witness"]').waitFor();
    await admin.screenshot({ path: `${SCREENSHOTS}/users.png` });
    expect((await login('zhao-witness', 'zhao-password-1')).status).toBe(200);
    // A session cookie is all a page needs: reopening the console skips the form.
    const returning = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    contexts.push(returning);
    await returning.addCookies([await sessionCookie(edge, 'auditor')]);
    const again = await returning.newPage();
    await again.goto(`${edge.httpUrl}/#/sessions`);
    await expect.poll(() => again.textContent('[data-testid=user]')).toContain('审计');
    expect(await again.locator('input[name=password]').count()).toBe(0);

    const signIns = edge.log.query({ type: 'audit.signed-in' }).map((e) => e.actor);
    expect(signIns).toEqual(expect.arrayContaining(Object.keys(labels).map((r) => `${r}-console`)));
  });

  it('shows the expert walking across the map: a witness sees the name, an operator only the pseudonym', async () => {
    const witness = pageOf('witness');
    const operator = pageOf('operator');
    const path = [
      [13, 6],
      [13, 11],
      [13, 16],
      [14, 22],
      [15, 27],
      [15, 31],
    ] as const;
    const marker = (page: Page) => page.locator(`[data-badge="${BADGE}"]`);
    for (const [x, y] of path) {
      await rtls.event('positions', {
        positions: [{ badge: BADGE, x, y, floor: 'f3', accuracy: 0.3, at: Date.now() }],
      });
      for (const page of [witness, operator])
        await expect.poll(() => marker(page).getAttribute('data-x'), { timeout: 3000 }).toBe(String(x));
    }
    expect(await marker(witness).textContent()).toBe(EXPERT_NAME);
    expect(await marker(operator).textContent()).toBe(EXPERT);
    // The marker is drawn where the badge is: y is flipped (venue north is up), room-1 spans y 28–40.
    const box = await marker(witness).locator('circle').boundingBox();
    const room = await witness.locator('[data-zone="room-1"] polygon').boundingBox();
    expect(box!.x).toBeGreaterThan(room!.x);
    expect(box!.y + box!.height / 2).toBeGreaterThan(room!.y);
    await witness.waitForTimeout(1000); // let the marker finish gliding to its last fix
    await witness.screenshot({ path: `${SCREENSHOTS}/map-witness.png` });
    await operator.setViewportSize({ width: 1366, height: 768 }); // a laptop
    await operator.screenshot({ path: `${SCREENSHOTS}/map-operator-laptop.png` });
    await marker(witness).click();
    await expect.poll(() => witness.textContent('[data-testid=map-details]')).toContain(BADGE);

    // Sessions board: progress and names for the witness, pseudonyms only for the operator.
    for (const page of [witness, operator]) await page.click('a[data-page=sessions]');
    await expect
      .poll(() => witness.textContent(`[data-session="${SESSION}"] [data-testid=checkin-progress]`))
      .toBe('签到 1/3');
    expect(await witness.textContent(`[data-expert="${EXPERT}"]`)).toContain(EXPERT_NAME);
    await expect.poll(() => operator.textContent(`[data-session="${SESSION}"]`)).toContain(EXPERT);
    expect(await operator.content()).not.toContain(EXPERT_NAME);
    expect((await api(edge, '/api/console/sessions', { role: 'operator' })).body[0].experts[0].name).toBeNull();
    const viewed = edge.log.query({ type: 'audit.names-viewed' });
    expect(viewed.every((e) => e.actor !== 'operator-console' && !JSON.stringify(e).includes(EXPERT_NAME))).toBe(true);
    expect(viewed.some((e) => e.actor === 'witness-console')).toBe(true);

    // Manual verification by the witness checks E002 in.
    await witness.click(`[data-expert="E002"] [data-action=manual-checkin]`);
    await witness.check(`[data-expert="E002"] input[name=idChecked]`);
    await witness.fill(`[data-expert="E002"] input[name=reason]`, '人脸比对失败');
    await witness.click(`[data-expert="E002"] button[type=submit]`);
    await expect
      .poll(() => witness.textContent(`[data-session="${SESSION}"] [data-testid=checkin-progress]`))
      .toBe('签到 2/3');
    expect(edge.services.sessions.checkinOf(SESSION, 'E002')).toMatchObject({ method: 'manual' });
    // The witness starts the evaluation, with a reason; the operator has no state buttons.
    expect(await operator.locator(`[data-session="${SESSION}"] [data-to]`).count()).toBe(0);
    await witness.click(`[data-session="${SESSION}"] [data-to="in-progress"]`);
    await witness.fill(`[data-session="${SESSION}"] input[name=reason]`, '专家已到齐两位，按时开始');
    await witness.click(`[data-session="${SESSION}"] button[type=submit]`);
    await expect.poll(() => witness.textContent(`[data-session="${SESSION}"] .state`)).toBe('评标中');
    expect(edge.services.sessions.get(SESSION)).toMatchObject({ state: 'in-progress', updatedBy: 'witness-console' });
    await witness.screenshot({ path: `${SCREENSHOTS}/sessions-witness.png` });
  });

  it('a device going offline rings an alarm; the witness acknowledges and resolves it', async () => {
    const witness = pageOf('witness');
    await witness.click('a[data-page=alarms]');
    simulators.get('board-room-1').crash();
    const toast = witness.locator('[data-testid=alarm-toast]');
    // How soon is the tracking bench's (alarm → feed latency): a bound here would measure a loaded CI machine.
    await toast.waitFor({ timeout: 30_000 });
    expect(await toast.getAttribute('data-sound')).toBe('played');
    expect(await toast.textContent()).toContain('设备离线');

    // Filters: the level-2 device alarm is under 较重 and under its room, not under 严重.
    const select = (name: string, value: string) => witness.selectOption(`select[name=${name}]`, value);
    await select('level', '3');
    await expect.poll(() => witness.locator('tr[data-kind="device-offline"]').count()).toBe(0);
    await select('level', '2');
    await select('room', 'room-1');
    await expect.poll(() => witness.locator('tr[data-kind="device-offline"]').count()).toBe(1);
    await select('room', 'room-2');
    await expect.poll(() => witness.locator('tr[data-kind="device-offline"]').count()).toBe(0);
    await select('room', '');

    // An auditor sees the alarm but has nothing to press.
    const auditor = pageOf('auditor');
    await auditor.click('a[data-page=alarms]');
    await auditor.locator('tr[data-kind="device-offline"]').waitFor();
    expect(await auditor.locator('tr[data-kind="device-offline"] button').count()).toBe(0);

    const row = witness.locator('tr[data-kind="device-offline"]');
    await row.locator('[data-action=acknowledge]').click();
    await row.locator('input[name=note]').fill('已通知运维检查信息屏');
    await row.locator('button[type=submit]').click();
    await expect.poll(() => row.locator('[data-testid=alarm-state]').textContent()).toBe('已确认');
    await witness.screenshot({ path: `${SCREENSHOTS}/alarms-witness.png` });
    // The toast has done its job once the alarm is taken on.
    await expect.poll(() => toast.count()).toBe(0);
    await row.locator('[data-action=resolve]').click();
    await row.locator('input[name=note]').fill('信息屏已重启');
    await row.locator('button[type=submit]').click();
    const alarm = await eventually(
      () => edge.alarms.list({ kind: 'device-offline' }).find((a) => a.subject === 'board-room-1'),
      (a) => a?.state === 'resolved',
    );
    expect(alarm).toMatchObject({
      acknowledgedBy: 'witness-console',
      resolvedBy: 'witness-console',
      note: '信息屏已重启',
    });
    const actions = edge.log.query({ type: 'audit.action' }).filter((e) => e.actor === 'witness-console');
    expect(actions.map((e) => e.data.route)).toEqual(
      expect.arrayContaining(['/api/alarms/:id/acknowledge', '/api/alarms/:id/resolve']),
    );

    // The devices page shows it offline; English switch and screenshots of the other pages.
    await witness.click('a[data-page=devices]');
    await expect.poll(() => witness.getAttribute('tr[data-device="board-room-1"]', 'class')).toBe('offline');
    await witness.screenshot({ path: `${SCREENSHOTS}/devices.png` });
    await witness.click('text=English');
    await expect.poll(() => witness.textContent('nav.menu')).toContain('Devices');
    await witness.click('a[data-page=map]');
    await witness.screenshot({ path: `${SCREENSHOTS}/map-english.png` });
  });
});
