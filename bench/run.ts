// npm run bench [-- name ...]: runs every bench/<name>.ts module (or those named) and prints one table.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchModule, BenchRow } from './types.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'types.ts'].includes(f) && !f.includes('.worker'))
  .map((f) => f.slice(0, -3))
  .filter((n) => wanted.length === 0 || wanted.includes(n));

const rows: BenchRow[] = [];
for (const name of names) {
  process.stderr.write(`bench ${name} …\n`);
  const mod = (await import(`./${name}.ts`)) as BenchModule;
  try {
    rows.push(...(await mod.run()));
  } catch (err) {
    rows.push({ area: name, metric: 'FAILED', value: (err as Error).message, unit: '' });
  }
}

const fmt = (v: number | string) =>
  typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2)) : v;
const table = rows.map((r) => [r.area, r.metric, fmt(r.value), r.unit, r.target ?? '']);
const header = ['area', 'metric', 'value', 'unit', 'target'];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => String(row[i]).length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row.map(String)));
process.exit(0);
