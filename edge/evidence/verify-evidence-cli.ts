// Usage: npm run verify-evidence -- <package.zip>      checks a package; exit 1 naming every problem
//        npm run verify-evidence -- --html <out.html>  writes the standalone offline verifier page
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { unzipSync } from 'fflate';
import { verifierHtml } from './verifier-html.ts';
import { verifyEvidence } from './verify-evidence.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { html: { type: 'string' } } });
if (values.html) {
  writeFileSync(values.html, await verifierHtml());
  console.log(`${values.html}: offline verifier written (open it in a browser, pick the package)`);
  process.exit(0);
}
const file = positionals[0];
if (!file) {
  console.error('usage: npm run verify-evidence -- <package.zip>   |   --html <verify.html>');
  process.exit(2);
}
const verdict = await verifyEvidence(new Map(Object.entries(unzipSync(readFileSync(file)))));
const s = verdict.summary;
if (s) {
  console.log(
    `venue ${s.venue}, session ${s.session}, venue key ${s.keyId}, exported ${new Date(s.exportedAt).toISOString()}`,
  );
  console.log(
    `${s.events} events (${s.anchoredEvents} with inclusion proofs), ${s.footage} footage segments, ${s.calls} calls, ${s.files} files`,
  );
  console.log(
    `checkpoint: ${s.checkpoint ? `size ${s.checkpoint.size}` : 'none'}; city receipt: ${s.receipt ? `by ${s.receipt.platformKeyId}` : 'none'}`,
  );
}
for (const p of verdict.parts ?? []) {
  const ps = p.verdict.summary;
  console.log(
    `part ${p.venue} (${p.role}): ${p.verdict.ok ? 'verified' : 'FAILED'}, ${ps?.events ?? 0} events, venue key ${ps?.keyId ?? '?'}`,
  );
}
for (const n of verdict.notes) console.log(`note: ${n}`);
for (const f of verdict.findings) console.error(`${f.kind}: ${f.item}: ${f.message}`);
console.log(verdict.ok ? 'VERIFIED' : `FAILED: ${verdict.findings.length} problems`);
process.exit(verdict.ok ? 0 : 1);
