// npm run faults [-- name ...]: plays every faults/<name>.ts module (or those named) and prints one table.
// Long crash, disk and clock runs live here rather than in `npm test`; the exit code is non-zero if any promise broke.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FaultModule, FaultRow } from './types.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const names = readdirSync(dir)
  .filter(
    (f) =>
      f.endsWith('.ts') && !['run.ts', 'types.ts'].includes(f) && !f.includes('.worker') && !f.endsWith('.test.ts'),
  )
  .map((f) => f.slice(0, -3))
  .filter((n) => wanted.length === 0 || wanted.includes(n));

const rows: FaultRow[] = [];
for (const name of names) {
  process.stderr.write(`faults ${name} …\n`);
  const mod = (await import(`./${name}.ts`)) as FaultModule;
  try {
    rows.push(...(await mod.run()));
  } catch (err) {
    rows.push({ scenario: name, runs: 0, held: false, detail: `FAILED: ${(err as Error).message}` });
  }
}

const table = rows.map((r) => [r.scenario, String(r.runs), r.held ? 'held' : 'BROKEN', r.detail]);
const header = ['scenario', 'runs', 'outcome', 'detail'];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));
process.exit(rows.every((r) => r.held) ? 0 : 1);
