import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../test/chromium.ts';
import { buildFixture, type Fixture, SESSION } from './evidence-fixture.ts';
import { exportEvidence } from './export-evidence.ts';
import { combineRemoteParts } from './remote-package.ts';
import { TAMPERINGS, tamper } from './tamper.ts';

/** verify.html from the package, opened from disk in Chromium, given a package: its verdict and findings. */
async function verifyInBrowser(browser: Browser, page: string, zipFile: string) {
  const tab = await browser.newPage();
  try {
    await tab.goto(pathToFileURL(page).href);
    await tab.setInputFiles('#package', zipFile);
    const result = tab.locator('#result[data-ok]');
    await result.waitFor({ timeout: 30_000 });
    return {
      ok: await result.getAttribute('data-ok'),
      text: (await result.textContent()) ?? '',
      findings: await tab
        .locator('li.finding')
        .evaluateAll((els) =>
          els.map((el) => `${(el as HTMLElement).dataset.kind} ${(el as HTMLElement).dataset.item}`),
        ),
    };
  } finally {
    await tab.close();
  }
}

describe('the offline HTML verifier (file://, WebCrypto)', () => {
  let fixture: Fixture;
  let browser: Browser;
  let zip: Uint8Array;
  let page: string;

  beforeAll(async () => {
    fixture = buildFixture();
    zip = (await exportEvidence(fixture.source, SESSION, 'auditor-1')).zip;
    page = join(fixture.dir, 'verify.html');
    writeFileSync(page, unzipSync(zip)['verify.html']!);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    fixture.db.close();
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  it('verifies the package it ships in', async () => {
    const file = join(fixture.dir, 'package.zip');
    writeFileSync(file, zip);
    const r = await verifyInBrowser(browser, page, file);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe('true');
    expect(r.text).toContain('核验通过');
    expect(r.text).toContain(`场次 ${SESSION}`);
  });

  it.each(TAMPERINGS)('names the tampering %s', async (how, kinds) => {
    const t = tamper(zip, how);
    const file = join(fixture.dir, `${how}.zip`);
    writeFileSync(file, t.zip);
    const r = await verifyInBrowser(browser, page, file);
    expect(r.ok).toBe('false');
    for (const kind of kinds) expect(r.findings).toContain(`${kind} ${t.item}`);
  });
});

describe('the offline HTML verifier with a 国密 package (SM3 and SM2 in the page: WebCrypto has neither)', () => {
  let fixture: Fixture;
  let browser: Browser;

  beforeAll(async () => {
    fixture = buildFixture({ guomi: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    fixture.db.close();
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  it('verifies the SM3 chain, SM3 proofs and SM2 checkpoint, and names a dropped event', async () => {
    const zip = (await exportEvidence(fixture.source, SESSION, 'auditor-1')).zip;
    const page = join(fixture.dir, 'verify.html');
    writeFileSync(page, unzipSync(zip)['verify.html']!);
    const file = join(fixture.dir, 'guomi.zip');
    writeFileSync(file, zip);
    const r = await verifyInBrowser(browser, page, file);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe('true');
    expect(r.text).toMatch(/事件 10 条（9 条有包含证明）/);
    const t = tamper(zip, 'event-dropped');
    writeFileSync(file, t.zip);
    expect((await verifyInBrowser(browser, page, file)).findings).toContain(`event-missing ${t.item}`);
  });
});

describe('the offline HTML verifier with a remote session’s package (each venue’s part, its own key)', () => {
  const fixtures: Fixture[] = [];
  let browser: Browser;

  beforeAll(async () => {
    fixtures.push(buildFixture({ venue: 'jincheng' }), buildFixture({ venue: 'gaoping' }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const f of fixtures) {
      f.db.close();
      rmSync(f.dir, { recursive: true, force: true });
    }
  });

  it('verifies both parts and names a part filed under another venue', async () => {
    const [host, guest] = await Promise.all(fixtures.map((f) => exportEvidence(f.source, SESSION, 'auditor-1')));
    const parts = [
      { venue: 'jincheng', role: 'host' as const, zip: host!.zip },
      { venue: 'gaoping', role: 'guest' as const, zip: guest!.zip },
    ];
    const zip = combineRemoteParts(SESSION, 'jincheng', parts);
    const page = join(fixtures[0]!.dir, 'verify.html');
    writeFileSync(page, unzipSync(zip)['verify.html']!);
    const file = join(fixtures[0]!.dir, 'remote.zip');
    writeFileSync(file, zip);
    const r = await verifyInBrowser(browser, page, file);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe('true');
    expect(r.text).toContain('主场 jincheng：✔');
    expect(r.text).toContain('客场 gaoping：✔');
    // The guest's part filed as another venue's: its signature is gaoping's, so the page says so.
    writeFileSync(file, combineRemoteParts(SESSION, 'jincheng', [parts[0]!, { ...parts[1]!, venue: 'qinshui' }]));
    expect((await verifyInBrowser(browser, page, file)).findings).toContain('part-mismatch qinshui: manifest');
  });
});
