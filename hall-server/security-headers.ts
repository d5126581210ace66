import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * What a page may load. Scripts only from the edge (and WebAssembly, which the live player's decoder
 * compiles); inline scripts only by the hash of the exact script the page was served with; styles may be inline
 * (the pages' own <style> blocks); media from the edge, blob URLs (MSE) and the kiosk's camera; connections to
 * the edge itself (its WebSocket feeds included); nobody may frame a page.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

/** An API answer is data: it loads nothing and is never a page. */
const DATA_POLICY = "default-src 'none'; frame-ancestors 'none'";

const INLINE_SCRIPT = /<script\b(?![^>]*\bsrc\s*=)[^>]*>([\s\S]*?)<\/script>/gi;

/** The page policy with the hash of each inline script in `html` added to script-src. */
export function pagePolicy(html: string): string {
  const hashes = [...html.matchAll(INLINE_SCRIPT)].map(
    ([, body]) => `'sha256-${createHash('sha256').update(body!).digest('base64')}'`,
  );
  return PAGE_POLICY.map((d) => (d.startsWith('script-src') && hashes.length ? `${d} ${hashes.join(' ')}` : d)).join(
    '; ',
  );
}

/** A year: browsers that have seen the console over HTTPS never try it in clear again. */
const HSTS = 'max-age=31536000';

function setHeaders(req: FastifyRequest, reply: FastifyReply, payload: unknown): void {
  const type = reply.getHeader('content-type');
  // No content type, no policy: a 304 carries none, and the browser would lay a data policy over its cached page.
  if (type !== undefined) {
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
    reply.header('content-security-policy', String(type).startsWith('text/html') ? pagePolicy(text) : DATA_POLICY);
  }
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(self), microphone=(self), geolocation=()');
  // Only over HTTPS: a browser ignores it over HTTP, and a loopback development edge must stay reachable.
  if (req.protocol === 'https') reply.header('strict-transport-security', HSTS);
}

/** Adds the security headers to every answer of the server: pages, API, errors, static files. Install first. */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    setHeaders(req, reply, payload);
    return payload;
  });
}
