import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { Credential } from '../../edge/access/rules.ts';
import type { FirePanelSimulator } from '../../simulators/fire-panel/fire-panel-simulator.ts';
import type { GateSimulator, PassageSimulator } from '../../simulators/gate/gate-simulator.ts';
import type { LockerSimulator } from '../../simulators/locker/locker-simulator.ts';
import type { VenueSimulators } from '../../simulators/venue-simulators.ts';
import { launchChromium } from '../../test/chromium.ts';
import {
  api,
  ensureUser,
  eventually,
  importRunningSession,
  simulatorsOf,
  startTestVenue,
} from '../../test/venue-harness.ts';
import { ensureDashboardsBuilt } from '../build.ts';

// The witness actions of docs/console.md driven from the console, end to end: the gate and the record follow.
const SCREENSHOTS = 'test-output/screenshots';
const RUNNING = 'QS-WA-001';
const LATE = 'QS-WA-002';

let browser: Browser;
let edge: VenueRuntime;
let simulators: VenueSimulators;
let witness: Page;
/** Every 404 the witness's browser met (a missing favicon logged one on every load). */
const notFound: string[] = [];

const face = (value: string): Credential => ({ type: 'face', value });

/** Waits for a condition and fails the test (naming it) if it never holds. */
async function until<T>(what: string, read: () => T, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const value = await eventually(read, ok, timeoutMs);
  if (!ok(value)) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
  return value;
}

async function pass(sim: PassageSimulator, credential: Credential, direction: 'in' | 'out' = 'in') {
  const result = await sim.present(credential, direction);
  if (result.granted) await sim.walkThrough(result);
  return result;
}

/** Both sizes a duty console runs at: the wall screen and a laptop. */
async function screenshots(page: Page, name: string) {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}-1920.png` });
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}-1366.png` });
  await page.setViewportSize({ width: 1920, height: 1080 });
}

/** Opens an alarm's action form in the alarms page, writes the note and submits it. */
async function actOnAlarm(kind: string, action: string, note: string, subject?: string) {
  const rows = witness.locator(`tr[data-kind="${kind}"]`);
  const row = subject ? rows.filter({ hasText: subject }) : rows;
  await row.locator(`[data-action="${action}"]`).click();
  await row.locator('input[name=note]').fill(note);
  await row.locator('button[type=submit]').click();
}

beforeAll(async () => {
  await ensureDashboardsBuilt();
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
  edge = await startTestVenue();
  const used = ['gate-entrance', 'gate-exit', 'locker-bank-1', 'fire-panel', 'board-room-1'];
  simulators = await simulatorsOf(edge, (id) => used.includes(id));
  await importRunningSession(edge, {
    id: RUNNING,
    transactionCode: 'JC-WA-001',
    project: { code: 'WA-001', name: '见证操作测试项目' },
    experts: [
      { pseudonym: 'R1', seat: 's1' },
      { pseudonym: 'R2', seat: 's2' },
    ],
  });
  // Started ten minutes ago: past the five-minute late-entry window.
  const start = Date.now() - 10 * 60_000;
  const late = await api(edge, '/api/sessions', {
    body: {
      session: {
        id: LATE,
        transactionCode: 'JC-WA-002',
        project: { code: 'WA-002', name: '迟到测试项目' },
        room: 'room-2',
        start,
        end: start + 3 * 3600_000,
        experts: [
          { pseudonym: 'L1', seat: 's1' },
          { pseudonym: 'L2', seat: 's2' },
        ],
      },
    },
  });
  expect(late.status).toBe(200);

  const username = 'witness-actions';
  const password = await ensureUser(edge, username, 'witness');
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
  witness = await context.newPage();
  witness.on('response', (r) => {
    if (r.status() === 404) notFound.push(r.url());
  });
  await witness.goto(edge.httpUrl);
  await witness.fill('input[name=username]', username);
  await witness.fill('input[name=password]', password);
  await witness.click('button[type=submit]');
  await witness.waitForSelector('[data-testid=feed].live');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await simulators?.stop();
  await edge?.stop();
});

describe('witness actions in the console', { timeout: 60_000 }, () => {
  it('approving re-entry from the alarm lets the expert back through the gate', async () => {
    const gate = simulators.get('gate-entrance') as GateSimulator;
    const exit = simulators.get('gate-exit') as GateSimulator;
    const lockers = simulators.get('locker-bank-1') as LockerSimulator;
    edge.services.sessions.recordCheckin({
      session: RUNNING,
      pseudonym: 'R1',
      method: 'id-card+face',
      badge: 'badge-r1',
      locker: { bank: 'locker-bank-1', compartment: 1 },
    });
    await until(
      'the locker assignment',
      () => lockers.assigned.get(1),
      (h) => h === 'R1',
    );
    await lockers.deposit(1);
    await until('the phone deposit', () => edge.services.access.store.depositOf('R1'), Boolean);

    expect(await pass(gate, face('R1'))).toMatchObject({ granted: true });
    expect(await pass(exit, face('R1'))).toMatchObject({ granted: true });
    expect(await gate.present(face('R1'), 'in')).toMatchObject({ granted: false, reason: 'reentry-needs-witness' });

    await witness.click('a[data-page=alarms]');
    await witness.locator('tr[data-kind="reentry-attempt"]').waitFor();
    await witness.locator('tr[data-kind="reentry-attempt"] [data-action="approve-reentry"]').click();
    await screenshots(witness, 'alarm-approve-reentry');
    await witness.locator('tr[data-kind="reentry-attempt"] input[name=note]').fill('取药后返回，已核对');
    await witness.locator('tr[data-kind="reentry-attempt"] button[type=submit]').click();
    await until(
      'the approval',
      () => edge.log.query({ type: 'access.reentry-approved' }),
      (e) => e.length === 1,
    );
    const approved = edge.log.query({ type: 'access.reentry-approved' })[0]!;
    expect([approved.actor, approved.subject, approved.data.note]).toEqual([
      'witness-actions',
      'R1',
      '取药后返回，已核对',
    ]);
    // The approval clears the alarm; the open list no longer shows it.
    await expect.poll(() => witness.locator('tr[data-kind="reentry-attempt"]').count()).toBe(0);
    expect(await gate.present(face('R1'), 'in')).toMatchObject({ granted: true });
    const granted = edge.log.query({ type: 'access.granted' }).at(-1)!;
    expect([granted.actor, granted.data.reason]).toEqual(['R1', 'reentry-approved']);
  });

  it('late arrivals held at check-in are admitted or refused from their alarms, recorded with the note', async () => {
    for (const pseudonym of ['L1', 'L2']) {
      const held = await api(edge, '/api/checkin/manual', { body: { by: 'w', pseudonym }, role: 'witness' });
      expect(held.body).toMatchObject({ accepted: false, reason: 'held-for-witness' });
    }
    await witness.click('a[data-page=alarms]');
    await expect.poll(() => witness.locator('tr[data-kind="late-arrival"]').count()).toBe(2);
    await actOnAlarm('late-arrival', 'approve-late', '交通事故延误，经监督同意入场', 'L1');
    await actOnAlarm('late-arrival', 'refuse-late', '已由候补专家替换', 'L2');
    const decided = await until(
      'both decisions',
      () => edge.log.query({ type: 'session.late-arrival-decided' }),
      (e) => e.length === 2,
    );
    expect(decided.map((e) => [e.session, e.actor, e.data.pseudonym, e.data.approved, e.data.note])).toEqual([
      [LATE, 'witness-actions', 'L1', true, '交通事故延误，经监督同意入场'],
      [LATE, 'witness-actions', 'L2', false, '已由候补专家替换'],
    ]);
    const arrivals = await api(edge, `/api/sessions/${LATE}/late-arrivals`, { role: 'witness' });
    expect(arrivals.body.experts.map((e: { admission: string }) => e.admission)).toEqual(['approved', 'refused']);
  });

  it('manual verification needs the ID checked and a reason, and records both', async () => {
    await witness.click('a[data-page=sessions]');
    // The running session is still in check-in (its scheduled start a minute ago): no 已进行 yet, only 剩余.
    const timer = witness.locator(`[data-session="${RUNNING}"] .timer`);
    await expect.poll(() => timer.textContent()).toMatch(/^剩余 /);
    const expert = witness.locator(`[data-session="${RUNNING}"] [data-expert="R2"]`);
    await expert.locator('[data-action=manual-checkin]').click();
    await expert.locator('input[name=reason]').fill('人脸比对三次失败');
    // Without the tick the browser keeps the form open and nothing is sent.
    await expert.locator('button[type=submit]').click();
    expect(await expert.locator('input[name=idChecked]').evaluate((i: HTMLInputElement) => i.validity.valid)).toBe(
      false,
    );
    expect(edge.services.sessions.checkinOf(RUNNING, 'R2')).toBeNull();
    await expert.locator('input[name=idChecked]').check();
    await screenshots(witness, 'sessions-manual-verification');
    await expert.locator('button[type=submit]').click();
    await until('the manual check-in', () => edge.services.sessions.checkinOf(RUNNING, 'R2'), Boolean);
    expect(edge.services.sessions.checkinOf(RUNNING, 'R2')).toMatchObject({ method: 'manual' });
    const accepted = edge.log.query({ type: 'checkin.accepted' }).find((e) => e.subject === 'R2');
    expect(accepted?.data.verifiedBy).toBe('witness-actions');
    expect(JSON.stringify(accepted?.data)).toContain('已核对身份证件。人脸比对三次失败');
  });

  it("a notice from a template (seat number) reaches the room's board; the form says who got it", async () => {
    const board = await witness.context().newPage();
    await board.goto(`${edge.httpUrl}/displays/board-room-1`);
    await board.locator('section[data-room="room-1"]').waitFor();
    await until('the board online', () => edge.registry.get('board-room-1')?.online, Boolean);

    await witness.click('a[data-page=sessions]');
    const card = witness.locator(`[data-session="${RUNNING}"]`);
    await card.locator('[data-action=display-notice]').click();
    const form = card.locator('form[data-form=display-notice]');
    await form.locator('select[name=template]').selectOption('to-witness-room');
    await form.locator('select[name=seat]').selectOption('s2');
    await screenshots(witness, 'sessions-display-notice');
    await form.locator('button[type=submit]').click();
    await board.locator('#notice', { hasText: '请2号座专家到见证室' }).waitFor();
    await expect
      .poll(() => form.locator('[data-testid=notice-result]').textContent())
      .toBe('已送达 1 块屏幕，未送达 0 块');
    const sent = edge.log.query({ type: 'display.notice' }).at(-1)!;
    expect([sent.actor, sent.subject, sent.data.template, sent.data.text]).toEqual([
      'witness-actions',
      'room-1',
      'to-witness-room',
      '请2号座专家到见证室',
    ]);
    await board.close();
  });

  it('fire mode ends from the fire alarm (refused while the panel still reports fire), then the roll call', async () => {
    const panel = simulators.get('fire-panel') as FirePanelSimulator;
    await panel.raise('smoke-f3-east');
    await witness.click('a[data-page=alarms]');
    await witness.locator('tr[data-kind="fire-alarm"]').waitFor();
    // A later 较重 alarm does not push the 严重 fire alarm off the pop-up; it waits under it.
    const toast = witness.locator('[data-testid=alarm-toast]');
    await expect.poll(() => toast.getAttribute('data-level')).toBe('3');
    edge.alarms.raise({ kind: 'tailgating', level: 2, subject: 'gate-entrance', details: {} });
    await expect.poll(() => toast.locator('[data-testid=alarm-stack-more]').textContent()).toBe('另有 1 条未处理预警');
    expect(await toast.getAttribute('data-level')).toBe('3');
    expect(await toast.locator('[data-testid=alarm-rule]').textContent()).toBe('消防报警');
    await screenshots(witness, 'alarm-popup-stack');
    await actOnAlarm('fire-alarm', 'end-fire-mode', '误报，消防控制室已确认');
    await expect.poll(() => witness.textContent('.error-bar')).toContain('fire alarm still active');
    expect(edge.services.access.store.mode().mode).toBe('fire-open');

    await panel.clear();
    await until(
      'the panel clearing',
      () => edge.services.access.activeFirePanels(),
      (p) => p.length === 0,
    );
    // The refused form stays open with its note: the witness sends it again.
    await witness.click('tr[data-kind="fire-alarm"] button[type=submit]');
    await until(
      'normal mode',
      () => edge.services.access.store.mode().mode,
      (m) => m === 'normal',
    );
    const changed = edge.log.query({ type: 'access.mode-changed' }).at(-1)!;
    expect([changed.actor, changed.data.reason]).toEqual(['witness-actions', '误报，消防控制室已确认']);
    await expect.poll(() => witness.locator('tr[data-kind="fire-alarm"]').count()).toBe(0);

    // The roll call of the running session: R1 back at the assembly point, R2 not.
    await witness.click('a[data-page=sessions]');
    const form = witness.locator(`[data-session="${RUNNING}"] form[data-form=roll-call]`);
    await form.locator('[data-roll="R1"] input').check();
    await form.locator('input[name=note]').fill('集合点点名');
    await screenshots(witness, 'sessions-roll-call');
    await form.locator('button[type=submit]').click();
    const rolled = await until(
      'the roll call',
      () => edge.log.query({ type: 'access.roll-call' }),
      (e) => e.length === 1,
    );
    expect([rolled[0]!.session, rolled[0]!.actor, rolled[0]!.data.present, rolled[0]!.data.absent]).toEqual([
      RUNNING,
      'witness-actions',
      ['R1'],
      ['R2'],
    ]);
    expect(edge.alarms.openFor('roll-call-absent', 'R2')).toMatchObject({ session: RUNNING });
    await expect.poll(() => form.count()).toBe(0);
  });

  it('map reachable by keyboard, AA contrast on the alarm badge and the 严重 tag, no 404 (favicon)', async () => {
    await witness.click('a[data-page=map]');
    const room = witness.locator('[data-zone="room-1"]');
    await room.waitFor();
    expect(await room.getAttribute('tabindex')).toBe('0');
    await room.focus();
    expect(await witness.evaluate(() => document.activeElement?.getAttribute('data-zone'))).toBe('room-1');
    // WCAG contrast of white text on each badge's background (R2's roll-call-absent keeps the count badge up).
    const contrast = (selector: string) =>
      witness
        .locator(selector)
        .first()
        .evaluate((el) => {
          const rgb = (c: string) => (c.match(/\d+/g) ?? []).slice(0, 3).map(Number);
          const lum = ([r, g, b]: number[]) => {
            // WCAG 2 relative luminance of one sRGB channel.
            const f = (c: number) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
            return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
          };
          const style = getComputedStyle(el);
          const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x);
          return (a! + 0.05) / (b! + 0.05);
        });
    expect(await contrast('.menu .count')).toBeGreaterThanOrEqual(4.5);
    await witness.click('a[data-page=alarms]');
    await witness.selectOption('select[name=state]', '');
    expect(await contrast('.level.level-3')).toBeGreaterThanOrEqual(4.5);
    await screenshots(witness, 'alarms-contrast');
    expect(notFound).toEqual([]);
  });
});
