import { type Browser, chromium } from 'playwright-core';

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
