import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifierHtml } from './verifier-html.ts';

describe('verify.html as the edge reads it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verifier-html-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is one file: its script inlined, nothing loaded from beside it or the network', async () => {
    // Built before the tests by the pages' build (test/global-setup.ts).
    const html = await verifierHtml();
    expect(html).toContain('<script>(function');
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link\b|\bimport\s*\(|https?:\/\//);
  });

  it('missing, fails naming the file and the command that builds it', async () => {
    const missing = join(dir, 'verify.html');
    await expect(verifierHtml(missing)).rejects.toThrow(
      `${missing}: the offline verifier is not built; run npm run build:dashboards`,
    );
  });
});
