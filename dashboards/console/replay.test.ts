import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { EventInput } from '../../edge/store/event-log.ts';
import { consolePage, launchChromium } from '../../test/chromium.ts';
import { api, importRunningSession, startTestVenue, tempDir } from '../../test/venue-harness.ts';
import { ensureDashboardsBuilt } from '../build.ts';

const SESSION = 'RP-MARK-001';
/** The room's camera, with a 40 s hole in its footage; the zone camera locked to the session too, without one. */
const ROOM_CAMERA = 'cam-room-1';
const ZONE_CAMERA = 'cam-entrance';
const CALL = 'call-rp-1';
/** The signed-in auditor's username (test/venue-harness.ts signs in `test-<role>`). */
const AUDITOR = 'test-auditor';
const SEGMENT_MS = 20_000;
/** Where the walk-through's screenshots go (docs/auditor.md shows them): small PNGs at a laptop's 1366×768. */
// The auditor's walk-through pictures: written to test-output; `HALLEDGE_DOC_SCREENSHOTS=1` refreshes docs/images.
const SHOTS = process.env.HALLEDGE_DOC_SCREENSHOTS === '1' ? 'docs/images' : 'test-output/screenshots';

let browser: Browser;
let edge: VenueRuntime;
let t0: number;
/** Segment ids by camera, in time order. */
const segments = new Map<string, number[]>();

/** A 20-second H.264 clip (tiny, so it is made in a moment), linked as every segment: only the index's times matter. */
function clip(dir: string): string {
  const file = join(dir, 'clip.mp4');
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=320x180:rate=10:duration=${SEGMENT_MS / 1000}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', file],
  ]);
  return file;
}

/** A 10-second call recorded by the intercom (Ogg Opus, as the call recorder writes). */
function callRecording(): string {
  const file = join(edge.dataDir, 'recordings', 'intercom', SESSION, `${CALL}.ogg`);
  mkdirSync(dirname(file), { recursive: true });
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=10', '-c:a', 'libopus', file],
  ]);
  return file;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await ensureDashboardsBuilt();
  edge = await startTestVenue();
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  t0 = Date.now() - 290_000;
  // A short session: its window, and so the timeline, spans minutes, and markers 20 s apart sit apart.
  await importRunningSession(edge, {
    end: Date.now() + 120_000,
    id: SESSION,
    transactionCode: 'JC-RP-001',
    project: { code: 'RP-2026-001', name: '回放标记' },
    experts: [{ pseudonym: 'E201' }, { pseudonym: 'E202' }],
    // The test witness (test/venue-harness.ts signs in as "test-witness") witnesses it: a witness replays only theirs.
    staff: [{ id: 'test-witness', role: 'witness' }],
  });
  const { index } = edge.services.video;
  const dir = tempDir('replay-footage-');
  const file = clip(dir);
  // Room camera: 0–40 s, hole 40–80 s, 80–100 s. Zone camera: 0–100 s without a break.
  const footage: [string, number[]][] = [
    [ROOM_CAMERA, [0, 20, 80]],
    [ZONE_CAMERA, [0, 20, 40, 60, 80]],
  ];
  for (const [camera, starts] of footage) {
    index.lock({ session: SESSION, camera, from: t0 - 600_000, to: t0 + 3 * 3600_000, until: t0 + 86_400_000 });
    const ids = starts.map((s) => {
      const path = join(dir, `${camera}-${s}.mp4`);
      linkSync(file, path);
      return index.add({
        camera,
        start: t0 + s * 1000,
        end: t0 + s * 1000 + SEGMENT_MS,
        size: 1,
        path,
        sha256: 'x'.repeat(64),
      }).id;
    });
    segments.set(camera, ids);
  }
  // The experts' badges (bound at check-in) and their stored tracks: E201 walks east 1 m/s from (11, 30).
  const record: EventInput[] = ['E201', 'E202'].map((pseudonym) => ({
    type: 'checkin.accepted',
    session: SESSION,
    actor: pseudonym,
    at: t0 - 60_000,
    data: {
      pseudonym,
      badge: `b-${pseudonym}`,
      room: 'room-1',
      method: 'manual',
      seat: null,
      locker: null,
      verifiedBy: 'WIT-1',
    },
  }));
  edge.log.appendMany(record);
  const { store } = edge.services.tracking;
  for (let s = 0; s <= 100; s++) {
    store.offer({ badge: 'b-E201', at: t0 + s * 1000, floor: 'f3', x: 11 + s * 0.08, y: 30, accuracy: 0.3 });
    store.offer({ badge: 'b-E202', at: t0 + s * 1000, floor: 'f3', x: 18, y: 38 - s * 0.05, accuracy: 0.3 });
  }
  store.flush();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
});

/** Where each camera's player is on the session's time axis (epoch ms), read at one instant; null: 无录像. */
const playerTimes = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>('.replay-tile')].map((tile) => {
        const v = tile.querySelector('video');
        return [tile.dataset.camera, v ? Number(v.dataset.start) + v.currentTime * 1000 : null];
      }),
    ),
  );

/** Picks the session on the replay page, on its own day (venue time: a run just after midnight lists it yesterday). */
async function openSession(page: Page) {
  const start = edge.services.sessions.get(SESSION)!.start;
  await page.fill('input[type=date]', new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(start));
  await page.selectOption('[data-testid=replay-session]', SESSION);
}

const alarm = (id: string, at: number) =>
  edge.log.append({
    type: 'alarm.raised',
    session: SESSION,
    actor: 'system',
    subject: `door-${id}`,
    at,
    data: { alarmId: id, kind: 'held-open', level: 2, details: {} },
  });

describe('replay page in Chromium: cameras in sync, gaps, markers, tracks, calls', { timeout: 90_000 }, () => {
  it('plays every camera on one playhead; a marker seeks; a gap shows 无录像 while the other camera plays; tracks and a call follow the playhead', async () => {
    const inFootage = alarm('rp-a', t0 + 30_000);
    const inRoomGap = alarm('rp-b', t0 + 50_000);
    const afterFootage = alarm('rp-c', t0 + 150_000);
    edge.log.append({
      type: 'intercom.call-answered',
      session: SESSION,
      actor: 'console-1',
      subject: CALL,
      at: t0 + 60_000,
      data: { callId: CALL, console: 'console-1', waitedMs: 0 },
    });
    const recording = callRecording();
    edge.log.append({
      type: 'intercom.recording',
      session: SESSION,
      actor: 'system',
      subject: CALL,
      at: t0 + 71_000,
      data: {
        callId: CALL,
        file: relative(edge.dataDir, recording),
        bytes: 0,
        sha256: '0'.repeat(64),
        seconds: 10,
        codec: 'opus',
        channels: ['station', 'console'],
      },
    });

    const page = await consolePage(browser, edge, 'auditor', 'replay');
    await page.setViewportSize({ width: 1366, height: 768 });
    await openSession(page);

    // Gaps drawn where footage is missing: the room camera's hole; none while the zone camera filmed.
    const roomBar = page.locator(`.replay-camera[data-camera="${ROOM_CAMERA}"]`);
    await roomBar.locator(`.gap[data-gap="${t0 + 40_000}"]`).waitFor({ timeout: 15_000 });
    const zoneGaps = await page
      .locator(`.replay-camera[data-camera="${ZONE_CAMERA}"] .gap`)
      .evaluateAll((gaps) => gaps.map((g) => Number(g.getAttribute('data-gap'))));
    expect(zoneGaps.filter((g) => g >= t0 && g < t0 + 100_000)).toEqual([]); // before and after: nothing filmed

    // A marker click moves the one playhead: both cameras open the segment of that moment, 10 s in.
    await page.locator(`.marker[data-seq="${inFootage.seq}"]`).click();
    await expect
      .poll(() => page.locator('[data-testid=replay-playhead]').getAttribute('data-at'))
      .toBe(String(t0 + 30_000));
    for (const camera of [ROOM_CAMERA, ZONE_CAMERA]) {
      const video = page.locator(`[data-testid=replay-video][data-camera="${camera}"]`);
      expect(await video.getAttribute('data-segment')).toBe(String(segments.get(camera)![1]));
      await expect
        .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 })
        .toBeCloseTo(10, 0);
    }

    // The experts at the playhead on the floor map, by pseudonym for an auditor; each track viewed is recorded.
    const e201 = page.locator('.replay-map [data-person=E201]');
    await e201.waitFor({ timeout: 15_000 });
    expect(Number(await e201.getAttribute('data-x'))).toBeCloseTo(11 + 30 * 0.08, 5);
    expect(await e201.textContent()).toBe('E201');
    expect(await page.locator('.replay-map [data-person]').count()).toBe(2);
    const tracksViewed = edge.log.query({ type: 'tracking.trajectory-viewed', limit: 100 });
    expect(tracksViewed.map((e) => [e.actor, e.subject]).sort()).toEqual([
      [AUDITOR, 'E201'],
      [AUDITOR, 'E202'],
    ]);

    // Play: both players run on one playhead, within the drift the page allows (0.5 s) plus a clock tick.
    await page.locator('[data-testid=play-pause]').click();
    await expect
      .poll(async () => Number(await page.locator('[data-testid=replay-playhead]').getAttribute('data-at')), {
        timeout: 15_000,
      })
      .toBeGreaterThan(t0 + 31_500);
    // (Polled: a player still fetching its next segment may lag for a moment; apart for good, the poll fails.)
    const apart = async () => {
      const times = await playerTimes(page);
      return Math.abs(times[ROOM_CAMERA]! - times[ZONE_CAMERA]!);
    };
    await expect.poll(apart, { timeout: 10_000 }).toBeLessThan(1000);
    // The map follows: E201 has moved east since 30 s.
    await expect.poll(async () => Number(await e201.getAttribute('data-x'))).toBeGreaterThan(11 + 31 * 0.08);
    await page.screenshot({ path: `${SHOTS}/replay-sync.png` });

    // Into the room camera's hole: it says 无录像 while the zone camera plays on.
    await page.locator(`.marker[data-seq="${inRoomGap.seq}"]`).click();
    const roomTile = page.locator(`.replay-tile[data-camera="${ROOM_CAMERA}"]`);
    await roomTile.locator('[data-testid=camera-nothing]').waitFor({ timeout: 10_000 });
    expect(await roomTile.textContent()).toContain('无录像');
    const zoneVideo = page.locator(`[data-testid=replay-video][data-camera="${ZONE_CAMERA}"]`);
    await expect.poll(() => zoneVideo.getAttribute('data-segment')).toBe(String(segments.get(ZONE_CAMERA)![2]));
    await expect
      .poll(() => zoneVideo.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 })
      .toBeGreaterThan(11);
    expect(await roomTile.locator('[data-testid=camera-nothing]').count()).toBe(1);
    expect(await page.locator('[data-testid=replay-nothing]').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/replay-gap.png` });

    // The call plays at its time: the playhead runs on from 51 s into the call answered at 60 s, and its
    // recording starts by itself.
    const audio = page.locator(`[data-testid=replay-call][data-call="${CALL}"]`);
    await audio.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 15_000 })
      .toBeGreaterThan(0.2);
    const heard = edge.log
      .query({ type: 'audit.viewed', limit: 100_000 })
      .filter((e) => (e.data.params as { call?: string }).call === CALL);
    expect(heard.length).toBeGreaterThanOrEqual(1);
    expect(heard[0]!.actor).toBe(AUDITOR);

    // Keyboard: space pauses, ← moves the playhead back 10 s.
    await page.keyboard.press(' ');
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.paused)).toBe(true);
    const playhead = page.locator('[data-testid=replay-playhead]');
    const paused = Number(await playhead.getAttribute('data-at'));
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => Number(await playhead.getAttribute('data-at'))).toBe(paused - 10_000);

    // After all footage: no camera recorded then, and the page says so.
    await page.locator(`.marker[data-seq="${afterFootage.seq}"]`).click();
    await page.locator('[data-testid=replay-nothing]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=replay-nothing]').textContent()).toContain('无录像');

    // Zoom in around the playhead (button, then keyboard): the gap widens; whole session again.
    await page.locator(`.marker[data-seq="${inRoomGap.seq}"]`).click();
    const gap = roomBar.locator(`.gap[data-gap="${t0 + 40_000}"]`);
    const width = async () => (await gap.boundingBox())?.width ?? 0;
    const before = await width();
    await page.locator('[data-testid=zoom-in]').click();
    await page.keyboard.press('+');
    await expect.poll(width).toBeGreaterThan(before * 3);
    await page.screenshot({ path: `${SHOTS}/replay-zoom.png` });
    await page.locator('[data-testid=zoom-whole]').click();
    await expect.poll(width).toBeCloseTo(before, 0);
    // Speed by the menu and by the keyboard reaches the players.
    await page.selectOption('[data-testid=replay-speed]', '4');
    await playhead.click(); // out of the menu: keys typed into a field are the field's
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => zoneVideo.evaluate((v: HTMLVideoElement) => v.playbackRate)).toBe(8);

    // Every segment played was audited as a footage replay, by the auditor, for both cameras.
    const played = edge.log
      .query({ type: 'audit.viewed', limit: 100_000 })
      .filter((e) => e.data.purpose === 'footage-replay' && e.session === SESSION);
    expect(new Set(played.map((e) => e.subject))).toEqual(new Set([ROOM_CAMERA, ZONE_CAMERA]));
    expect(played.every((e) => e.actor === AUDITOR)).toBe(true);

    // Filtering alarms out hides their markers; the auditor may export.
    await page.locator('[data-filter=alarm]').uncheck();
    expect(await page.locator(`.marker[data-seq="${inFootage.seq}"]`).count()).toBe(0);
    expect(await page.locator('[data-testid=export-evidence]').count()).toBe(1);
  });

  it('shows a witness the expert names the venue holds; an auditor never', async () => {
    const named = await api(edge, '/api/people/E201/name', {
      method: 'PUT',
      body: { name: '张三' },
      role: 'administrator',
    });
    expect(named.status).toBe(200);
    const witness = await consolePage(browser, edge, 'witness', 'replay');
    await openSession(witness);
    await witness.locator(`.marker[data-seq]`).first().waitFor({ timeout: 15_000 });
    const label = witness.locator('.replay-map [data-person=E201] text');
    // The playhead starts at the window's start, before any fix: move it to 30 s.
    await witness.locator('.marker.kind-alarm').first().click();
    await expect.poll(() => label.textContent(), { timeout: 15_000 }).toBe('张三');
    const auditor = await consolePage(browser, edge, 'auditor', 'replay');
    await openSession(auditor);
    await auditor.locator('.marker.kind-alarm').first().click();
    await expect
      .poll(() => auditor.locator('.replay-map [data-person=E201] text').textContent(), { timeout: 15_000 })
      .toBe('E201');
  });

  it('the audit log shows who replayed what, filtered by person, action and session', async () => {
    const page = await consolePage(browser, edge, 'auditor', 'audit');
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.locator('[data-testid=audit-row]').first().waitFor({ timeout: 15_000 });
    await page.fill('[data-testid=audit-actor]', AUDITOR);
    await page.selectOption('[data-testid=audit-action]', 'replayed');
    await page.fill('[data-testid=audit-session]', SESSION);
    await page.locator('[data-testid=audit-apply]').click();
    await expect
      .poll(
        async () =>
          new Set(
            await page
              .locator('[data-testid=audit-row]')
              .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action'))),
          ),
      )
      .toEqual(new Set(['replayed']));
    const rows = page.locator('[data-testid=audit-row]');
    expect(await rows.count()).toBeGreaterThan(2);
    expect(await page.locator('[data-testid=audit-row]', { hasText: ZONE_CAMERA }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/audit-log.png` });
    // A witness does not get the page, nor the route.
    const denied = await api(edge, '/api/audit-log', { role: 'witness' });
    expect(denied.status).toBe(403);
  });
});
