/**
 * A built page (dashboards/dist) and its entry script, fetched as a browser would: Vite names the script by its
 * content hash, so tests find it in the page's `<script type="module" src>`.
 */
export async function pageAndScript(
  base: string,
  path: string,
): Promise<{ page: Response; html: string; script: Response }> {
  const page = await fetch(`${base}${path}`);
  const html = await page.text();
  const src = /<script type="module"[^>]*\ssrc="([^"]+)"/.exec(html)?.[1];
  if (!src) throw new Error(`${path}: no module script in the page`);
  return { page, html, script: await fetch(new URL(src, `${base}${path}`)) };
}
