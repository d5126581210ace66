// verify.html: the verifier page and its code (fflate, the checks, WebCrypto, SM2/SM3) inlined into one file that
// works from disk. The pages' build writes it (dashboards/offline-verifier.ts, run by `npm run build:dashboards`
// and by the demo and the tests when the pages are stale); the edge only reads it, so no bundler runs in a venue.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The page's code, bundled by the build. */
export const VERIFIER_PAGE_SOURCE = fileURLToPath(new URL('./verifier-page.ts', import.meta.url));

/** Where the build writes the page: beside the other built pages (dashboards/dist). */
export const VERIFIER_HTML_FILE = fileURLToPath(new URL('../../dashboards/dist/verify.html', import.meta.url));

/** The built page. A package without its verifier is no package: a missing build is an error, not a skip. */
export async function verifierHtml(file = VERIFIER_HTML_FILE): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error(`${file}: the offline verifier is not built; run npm run build:dashboards`);
  }
}

/** The page around the bundled script (the build calls this). */
export const verifierPageHtml = (script: string) => `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>HallEdge 证据包离线核验</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}li.finding{color:#a00}li.note{color:#555}</style></head>
<body><h1>HallEdge 证据包离线核验 (offline evidence verifier)</h1>
<p>选择证据包（.zip）。核验在本机浏览器中完成，不联网：清单签名、每个文件的哈希、每条事件的链哈希与包含证明、检查点与市平台回执签名。</p>
<input type="file" id="package" accept=".zip,application/zip">
<div id="result"></div>
<script>${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>
`;
