import { createHash } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../app/start-venue.ts';
import { ensureDashboardsBuilt } from '../dashboards/build.ts';
import { pageAndScript } from '../test/built-pages.ts';
import { authHeaders, startTestVenue } from '../test/venue-harness.ts';
import { pagePolicy } from './security-headers.ts';

let edge: VenueRuntime;
afterEach(() => edge?.stop());

describe('security headers', () => {
  it('come with every page, API answer, error and script; pages get a policy, data a deny-all one', async () => {
    edge = await startTestVenue();
    const auth = await authHeaders(edge);
    const kiosk = await pageAndScript(edge.httpUrl, '/kiosk/');
    const live = await pageAndScript(edge.httpUrl, '/live/?cameras=cam-a');
    const answers = {
      kiosk: kiosk.page,
      display: await fetch(`${edge.httpUrl}/displays/board-room-1`),
      live: live.page,
      script: kiosk.script,
      api: await fetch(`${edge.httpUrl}/api/devices`, { headers: auth }),
      unauthorised: await fetch(`${edge.httpUrl}/api/devices`),
      missing: await fetch(`${edge.httpUrl}/api/no-such-route`),
      health: await fetch(`${edge.httpUrl}/health`),
      docs: await fetch(`${edge.httpUrl}/docs/json`),
    };
    for (const [what, response] of Object.entries(answers)) {
      const h = response.headers;
      expect([what, h.get('x-frame-options')]).toEqual([what, 'DENY']);
      expect([what, h.get('x-content-type-options')]).toEqual([what, 'nosniff']);
      expect([what, h.get('referrer-policy')]).toEqual([what, 'no-referrer']);
      expect([what, h.get('content-security-policy')]).toEqual([
        what,
        expect.stringContaining("frame-ancestors 'none'"),
      ]);
      // Plain HTTP on loopback (this test): no HSTS, which would lock a development browser out of it.
      expect([what, h.get('strict-transport-security')]).toEqual([what, null]);
    }
    expect(answers.api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(answers.kiosk.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval'");
    // The built pages load their scripts from the edge; none carries an inline script to allow by its hash.
    for (const { html, page } of [kiosk, live]) {
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(page.headers.get('content-security-policy')).not.toContain('sha256-');
    }
  });

  it('gives a revalidated page (304) no policy of its own, so the cached page keeps its page policy', async () => {
    await ensureDashboardsBuilt();
    edge = await startTestVenue();
    const page = await fetch(`${edge.httpUrl}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    // As a browser revalidates its cached copy on reload (fetch would not send the condition as is).
    const again = await new Promise<IncomingMessage>((resolve) =>
      get(`${edge!.httpUrl}/`, { headers: { 'if-none-match': page.headers.get('etag')! } }, resolve),
    );
    again.resume();
    expect(again.statusCode).toBe(304);
    expect(again.headers['content-security-policy']).toBeUndefined();
    expect(again.headers['x-frame-options']).toBe('DENY');
  });

  it('hashes each inline script of a page, and none that loads from a file', () => {
    const policy = pagePolicy('<script>a()</script><script src="/x.js"></script><script type="module">b()</script>');
    const sha = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    expect(policy).toContain(`script-src 'self' 'wasm-unsafe-eval' ${sha('a()')} ${sha('b()')};`);
    expect(pagePolicy('<p>no scripts</p>')).toContain("script-src 'self' 'wasm-unsafe-eval';");
  });
});
