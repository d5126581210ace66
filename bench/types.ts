/** One line of the `npm run bench` table. */
export interface BenchRow {
  area: string;
  metric: string;
  value: number | string;
  unit: string;
  /** The DESIGN.md target, e.g. "≥ 50000" or "p99 ≤ 20 ms". */
  target?: string;
}

export type BenchModule = { run(): Promise<BenchRow[]> };
