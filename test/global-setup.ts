import { ensureDashboardsBuilt } from '../dashboards/build.ts';

/**
 * Builds the pages once, before any test file runs, when dist is missing or stale: page tests then never race two
 * builds into the same dist (each emptying it while the other's server serves from it).
 */
export default async function setup(): Promise<void> {
  await ensureDashboardsBuilt();
}
