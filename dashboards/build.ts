import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARDS_DIR = dirname(fileURLToPath(import.meta.url));
export const DASHBOARDS_DIST = join(DASHBOARDS_DIR, 'dist');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the pages when dist is missing or older than a source file (the demo and the browser tests call it). */
export async function ensureDashboardsBuilt(): Promise<void> {
  const built = join(DASHBOARDS_DIST, 'index.html');
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource(DASHBOARDS_DIR)) return;
  const { build } = await import('vite');
  await build({ configFile: join(DASHBOARDS_DIR, 'vite.config.ts'), logLevel: 'warn' });
}
