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
