import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARDS_DIR = dirname(fileURLToPath(import.meta.url));
export const DASHBOARDS_DIST = join(DASHBOARDS_DIR, 'dist');
export const REPO_DIR = dirname(DASHBOARDS_DIR);
/** Written by the build into dist/: every source file it read, relative to the repository (dashboards/offline-verifier.ts). */
export const BUILD_INPUTS = 'build-inputs.json';

/** What the Vite build reads: the console, the kiosk, the display boards, the live view and the city console. */
const SOURCES = [
  'index.html',
  'vite.config.ts',
  'offline-verifier.ts',
  'console',
  'i18n',
  'kiosk',
  'display',
  'live',
  'city',
];

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith('.test.ts') ? 0 : stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

/** The files the last build read outside the page folders (edge/ modules, the offline verifier's code); a removed one counts as changed. */
function newestBuildInput(): number {
  const inputs = JSON.parse(readFileSync(join(DASHBOARDS_DIST, BUILD_INPUTS), 'utf8')) as string[];
  return Math.max(
    0,
    ...inputs
      .map((input) => join(REPO_DIR, input))
      .map((file) => (existsSync(file) ? statSync(file).mtimeMs : Infinity)),
  );
}

/** Builds the pages when dist is missing or older than a source file (the demo and the browser tests call it). */
export async function ensureDashboardsBuilt(): Promise<void> {
  const built = join(DASHBOARDS_DIST, 'index.html');
  if (existsSync(built) && existsSync(join(DASHBOARDS_DIST, BUILD_INPUTS))) {
    const newest = Math.max(newestBuildInput(), ...SOURCES.map((source) => newestSource(join(DASHBOARDS_DIR, source))));
    if (statSync(built).mtimeMs >= newest) return;
  }
  const { build } = await import('vite');
  await build({ configFile: join(DASHBOARDS_DIR, 'vite.config.ts'), logLevel: 'warn' });
}
