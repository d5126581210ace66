import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARDS_DIR = dirname(fileURLToPath(import.meta.url));
export const DASHBOARDS_DIST = join(DASHBOARDS_DIR, 'dist');

/** What the Vite build reads: the console, the kiosk, the display boards, the live view and the city console. */
const SOURCES = ['index.html', 'vite.config.ts', 'console', 'i18n', 'kiosk', 'display', 'live', 'city'];

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith('.test.ts') ? 0 : stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

/** Builds the pages when dist is missing or older than a source file (the demo and the browser tests call it). */
export async function ensureDashboardsBuilt(): Promise<void> {
  const built = join(DASHBOARDS_DIST, 'index.html');
  const newest = Math.max(...SOURCES.map((source) => newestSource(join(DASHBOARDS_DIR, source))));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  const { build } = await import('vite');
  await build({ configFile: join(DASHBOARDS_DIR, 'vite.config.ts'), logLevel: 'warn' });
}
