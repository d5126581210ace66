import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The pages Vite builds: the console at `/`. The kiosk (/kiosk/), display (/displays/…) and live-view pages are
 * single-file pages that hall-server serves itself, compiling their TypeScript with esbuild, so they are not here.
 */
const PAGES: Record<string, string> = {
  console: join(root, 'index.html'),
};

export default defineConfig({
  root,
  base: '/',
  // Plain preact JSX: no framework plugin, just the automatic runtime.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: join(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: PAGES },
  },
  server: {
    host: '127.0.0.1',
    // `npm run dev:dashboards` against a running edge (npm run demo) on :8080.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
