// Builds verify.html: the verifier page and its code (fflate, the checks, WebCrypto) inlined into one file that
// works from disk. Built with esbuild when first asked for, then kept.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

let built: Promise<string> | null = null;

export function verifierHtml(): Promise<string> {
  built ??= build({
    entryPoints: [fileURLToPath(new URL('./verifier-page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    charset: 'utf8',
  }).then((r) => page(r.outputFiles[0]!.text));
  return built;
}

const page = (script: string) => `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>HallEdge 证据包离线核验</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}li.finding{color:#a00}li.note{color:#555}</style></head>
<body><h1>HallEdge 证据包离线核验 (offline evidence verifier)</h1>
<p>选择证据包（.zip）。核验在本机浏览器中完成，不联网：清单签名、每个文件的哈希、每条事件的链哈希与包含证明、检查点与市平台回执签名。</p>
<input type="file" id="package" accept=".zip,application/zip">
<div id="result"></div>
<script>${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>
`;
