// Builds the pages when stale, for commands that serve them from another process (npm run city: the city console).
import { ensureDashboardsBuilt } from './build.ts';

await ensureDashboardsBuilt();
