/** One row of `npm run faults`: a fault scenario, how often it was played and what the record looked like after. */
export interface FaultRow {
  scenario: string;
  runs: number;
  /** true when every run kept the promise the scenario checks (e.g. nothing acknowledged was lost). */
  held: boolean;
  /** What was measured, e.g. "81,900 acknowledged, 81,900 recorded, 0 lost". */
  detail: string;
}

/** A `faults/<name>.ts` module: plays its scenarios against a real edge (child processes, real files) and reports. */
export interface FaultModule {
  run(): Promise<FaultRow[]>;
}
