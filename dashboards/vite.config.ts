import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { offlineVerifierPage } from './offline-verifier.ts';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Every page, built in one build into dist/. The hall server serves the console at `/`, the kiosk at /kiosk/,
 * the display boards at /displays/<id> (dist/display/index.html) and the live view at /live/; the city hub serves
 * the city console (dist/city/index.html) at its own `/`. The evidence package's offline verifier is built beside
 * them into dist/verify.html (one self-contained file, see offline-verifier.ts).
 */
const PAGES: Record<string, string> = {
  console: join(root, 'index.html'),
  kiosk: join(root, 'kiosk/index.html'),
  display: join(root, 'display/index.html'),
  live: join(root, 'live/index.html'),
  city: join(root, 'city/index.html'),
};

/**
 * jsmpeg (the live player's MPEG-1 fallback) ships no module Vite can bundle cleanly; the player loads it only when
 * a tile needs it, from beside its own chunk (`./jsmpeg-player.js`), so the build puts the package's ES module there.
 */
function jsmpegBesideThePlayer(): Plugin {
  return {
    name: 'halledge-jsmpeg',
    apply: 'build',
    generateBundle() {
      const require = createRequire(import.meta.url);
      const dir = dirname(require.resolve('@cycjimmy/jsmpeg-player'));
      this.emitFile({
        type: 'asset',
        fileName: 'assets/jsmpeg-player.js',
        source: readFileSync(join(dir, 'jsmpeg-player.esm.js')),
      });
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  // Plain preact JSX: no framework plugin, just the automatic runtime.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [jsmpegBesideThePlayer(), offlineVerifierPage()],
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
