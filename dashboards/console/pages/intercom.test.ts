import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../../app/start-venue.ts';
import { sha256File } from '../../../edge/intercom/call-recorder.ts';
import type { Call } from '../../../edge/intercom/intercom-service.ts';
import { mulawRms } from '../../../simulators/intercom/g711.ts';
import { IntercomStationSimulator } from '../../../simulators/intercom/station-simulator.ts';
import { channelLevels, probeAudio } from '../../../test/audio.ts';
import { CALL_PAGE, launchChromium } from '../../../test/chromium.ts';
import { eventually, sessionCookie, startTestVenue, testVenue } from '../../../test/venue-harness.ts';
import { ensureDashboardsBuilt } from '../../build.ts';

let browser: Browser;
let edge: VenueRuntime;
let station: IntercomStationSimulator;
let answering: IntercomStationSimulator;

const SESSION = 'S-room-1';
const SCREENSHOTS = 'test-output/screenshots';

beforeAll(async () => {
  await ensureDashboardsBuilt();
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium(CALL_PAGE);
  edge = await startTestVenue({ venue: testVenue('jincheng') });
  const now = Date.now();
  edge.services.sessions.importSchedule(
    [
      {
        id: SESSION,
        transactionCode: 'T-1',
        project: { code: 'P-1', name: '项目' },
        room: 'room-1',
        start: now - 600_000,
        end: now + 3600_000,
        experts: [{ pseudonym: 'EXP-1' }],
      },
    ],
    { source: 'platform' },
  );
  station = new IntercomStationSimulator(
    { venue: edge.venue.id, kind: 'intercom', id: 'ic-room-1', password: edge.deviceCredential('ic-room-1') },
    { brokerUrl: edge.bus.deviceUrl, heartbeatS: 1 },
  );
  await station.connect();
  answering = new IntercomStationSimulator(
    { venue: edge.venue.id, kind: 'intercom', id: 'ic-room-2', password: edge.deviceCredential('ic-room-2') },
    { brokerUrl: edge.bus.deviceUrl, heartbeatS: 1, autoAnswer: true },
  );
  await answering.connect();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await station?.stop();
  await answering?.stop();
  await edge?.stop();
});

describe('console intercom page', () => {
  it('a witness answers a station on the page and both hear each other; both sides are recorded', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 900 } });
    await context.addCookies([await sessionCookie(edge, 'witness')]);
    const page = await context.newPage();
    await page.goto(`${edge.httpUrl}/#/intercom`);
    await page.waitForSelector('[data-testid=current-call][data-state=idle]');

    const callId = await station.call();
    const queued = page.locator(`[data-testid=queue] li[data-call="${callId}"]`);
    await queued.waitFor();
    expect(await queued.textContent()).toContain(edge.venue.zones.find((z) => z.id === 'room-1')!.name);
    expect(await page.locator('[data-page=intercom] .count').textContent()).toBe('1');

    await queued.locator('[data-action=answer]').click();
    await page.waitForSelector(`[data-testid=current-call][data-state=talking][data-call="${callId}"]`);
    await page.waitForSelector('[data-testid=audio][data-state=connected]', { timeout: 10_000 });
    const call = edge.services.intercom.get(callId);
    expect(call).toMatchObject({ state: 'talking', console: 'console-1', session: SESSION });

    // The station's tone reaches the browser: its inbound-rtp stats count the packets.
    const inbound = await eventually(
      () => page.locator('[data-testid=audio]').getAttribute('data-in').then(Number),
      (n) => n >= 50,
      10_000,
    );
    expect(inbound).toBeGreaterThanOrEqual(50);
    // G.711 µ-law end to end: the edge relays the station's payloads without transcoding.
    expect(await page.locator('[data-testid=audio]').getAttribute('data-codec')).toBe('audio/PCMU');
    // The browser's microphone reaches the station, relayed by the edge as RTP/PCMU; its beeps are real sound.
    await eventually(
      () => station.heardPackets,
      (n) => n >= 100,
      10_000,
    );
    expect(station.heardPackets).toBeGreaterThanOrEqual(100);
    expect(Math.max(...station.heard.map(mulawRms))).toBeGreaterThan(500);
    const edgeReceived = edge.services.intercom.audioPackets(callId)!;
    expect(edgeReceived.console).toBeGreaterThanOrEqual(100);
    // Nothing the station sent was lost on its way to the edge (a packet or two may still be in flight).
    expect(edgeReceived.station).toBeGreaterThanOrEqual(station.sentPackets - 3);
    await page.screenshot({ path: `${SCREENSHOTS}/intercom-talking.png` });

    await page.click('[data-testid=current-call] [data-action=hangup]');
    await page.waitForSelector('[data-testid=current-call][data-state=idle]');
    await eventually(
      () => station.state,
      (s) => s === 'idle',
    );

    const recorded = await eventually(
      () => edge.log.query({ session: SESSION, type: 'intercom.recording' }),
      (list) => list.length === 1,
      10_000,
    );
    const { file, sha256 } = recorded[0]!.data as { file: string; sha256: string };
    expect(file).toBe(join('recordings', 'intercom', SESSION, `${callId}.ogg`));
    expect(await sha256File(join(edge.dataDir, file))).toBe(sha256);
    const probe = probeAudio(join(edge.dataDir, file));
    expect(probe).toMatchObject({ codec: 'opus', channels: 2 });
    const ended = edge.services.intercom.get(callId) as Call;
    expect(probe.duration).toBeGreaterThan((ended.endedAt! - ended.answeredAt!) / 1000 - 0.5);
    // Left: the station's tone; right: the console's microphone. Neither is silence.
    const [stationDb, consoleDb] = channelLevels(join(edge.dataDir, file));
    expect(stationDb).toBeGreaterThan(-30);
    expect(consoleDb).toBeGreaterThan(-40);
    await context.close();
  }, 60_000);

  it('a witness calls a room from the page; the station answers, they talk, the station hangs up', async () => {
    const context = await browser.newContext({ locale: 'en' });
    await context.addCookies([await sessionCookie(edge, 'witness')]);
    const page = await context.newPage();
    await page.goto(`${edge.httpUrl}/#/intercom`);
    await page.waitForSelector('[data-testid=current-call][data-state=idle]');
    await page.selectOption('.call-room select[name=room]', 'room-2');
    await page.click('[data-action=call-room]');
    await page.waitForSelector('[data-testid=current-call][data-state=talking]');
    await page.waitForSelector('[data-testid=audio][data-state=connected]', { timeout: 10_000 });
    await eventually(
      () => page.locator('[data-testid=audio]').getAttribute('data-in').then(Number),
      (n) => n >= 25,
      10_000,
    );
    await eventually(
      () => answering.heardPackets,
      (n) => n >= 25,
      10_000,
    );
    expect(answering.heardPackets).toBeGreaterThanOrEqual(25);
    const [call] = edge.services.intercom.list({ state: 'talking' });
    expect(call).toMatchObject({ room: 'room-2', direction: 'to-room', console: 'console-1' });

    // The page reloads mid-call: it joins the call's audio again, the call and its recording go on.
    await page.reload();
    await page.waitForSelector(`[data-testid=audio][data-state=connected]`, { timeout: 10_000 });
    const heardBefore = answering.heardPackets;
    await eventually(
      () => page.locator('[data-testid=audio]').getAttribute('data-in').then(Number),
      (n) => n >= 25,
      10_000,
    );
    expect(answering.heardPackets).toBeGreaterThan(heardBefore);
    expect(edge.services.intercom.get(call!.id).state).toBe('talking');

    await answering.hangup();
    await page.waitForSelector('[data-testid=current-call][data-state=idle]');
    expect(await page.locator('.recent li').first().getAttribute('data-call')).toBe(call!.id);
    await context.close();
  }, 60_000);
});
