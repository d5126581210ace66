import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { VenueRuntime } from '../app/start-venue.ts';
import type { Role } from '../hall-server/auth/roles.ts';
import { sessionCookie } from './venue-harness.ts';

/**
 * Debian's Chromium, headless, as root, with none of its background connections: this machine's network is
 * closed, and Chromium would otherwise keep trying. `extraArgs` add what a page needs (fake camera, autoplay).
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** Chromium's fake camera and microphone (its test sources), permission to use them granted without a prompt. */
export const FAKE_MEDIA = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] as const;

/** A page that makes calls: fake media, WebRTC candidates on loopback, and audio that plays with no user gesture. */
export const CALL_PAGE = [
  ...FAKE_MEDIA,
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
] as const;

/**
 * A console page signed in as `role` — a browser context of its own holding that user's session cookie — opened
 * at `#/<hash>`, in zh-CN unless `en` is asked for. Closing the browser closes it.
 */
export async function consolePage(
  browser: Browser,
  edge: VenueRuntime,
  role: Role,
  hash: string,
  locale: 'zh-CN' | 'en' = 'zh-CN',
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale });
  await context.addCookies([await sessionCookie(edge, role)]);
  if (locale === 'en') await context.addInitScript(() => localStorage.setItem('halledge.locale', 'en'));
  const page = await context.newPage();
  await page.goto(`${edge.httpUrl}/#/${hash}`);
  return page;
}

/** The two screens pages are checked on: a 1920×1080 wall or terminal screen and a 1366×768 laptop. */
export const SCREENS = [
  { width: 1920, height: 1080 },
  { width: 1366, height: 768 },
] as const;

/** Screenshots of `page` at both screen sizes into test-output/screenshots/<name>-<w>x<h>.png (the size is kept). */
export async function screenshotAtBothSizes(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const size of SCREENS) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `test-output/screenshots/${name}-${size.width}x${size.height}.png` });
  }
  if (before) await page.setViewportSize(before);
}

// Evaluated through the DevTools protocol: the pages' CSP (rightly) refuses an injected <script>.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical violations axe-core finds on the page as shown now. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (c: Document, o: object) => Promise<AxeResults> } }).axe;
    interface AxeResults {
      violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
    }
    const results = await axe.run(document, { resultTypes: ['violations'] });
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}
