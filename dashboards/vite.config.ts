import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));

/** Every page of the venue: the console at `/`, and each folder with an index.html (kiosk/, live/, …) at `/<folder>/`. */
function pages(): Record<string, string> {
  const input: Record<string, string> = { console: join(root, 'index.html') };
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const page = join(root, entry.name, 'index.html');
    if (entry.isDirectory() && entry.name !== 'dist' && existsSync(page)) input[entry.name] = page;
  }
  return input;
}

export default defineConfig({
  root,
  base: '/',
  // Plain preact JSX: no framework plugin, just the automatic runtime.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: join(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: pages() },
  },
  server: {
    host: '127.0.0.1',
    // `npm run dev:dashboards` against a running edge (npm run demo) on :8080.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
