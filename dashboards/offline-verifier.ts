import { basename, relative } from 'node:path';
import { build, type Plugin, type Rolldown } from 'vite';
import { VERIFIER_HTML_FILE, VERIFIER_PAGE_SOURCE, verifierPageHtml } from '../edge/evidence/verifier-html.ts';
import { BUILD_INPUTS, REPO_DIR } from './build.ts';

/**
 * The evidence package's offline verifier (edge/evidence/verifier-page.ts), built with the pages into dist/verify.html:
 * one file, its script inlined (a page opened from file:// may load nothing beside it), read by the edge at export.
 * It also lists every source the build read, the verifier's included, in dist/build-inputs.json: the pages import
 * edge/ files outside dashboards/, and ensureDashboardsBuilt rebuilds when one of them changes.
 */
export function offlineVerifierPage(): Plugin {
  return {
    name: 'halledge-offline-verifier',
    apply: 'build',
    async generateBundle() {
      // A build of its own: one classic script, no chunks to load beside it.
      const result = (await build({
        configFile: false,
        root: REPO_DIR,
        publicDir: false,
        logLevel: 'warn',
        build: {
          write: false,
          target: 'es2022',
          lib: { entry: VERIFIER_PAGE_SOURCE, formats: ['iife'], name: 'verifier', fileName: 'verify' },
        },
      })) as Rolldown.RolldownOutput[];
      const script = result[0]!.output[0];
      this.emitFile({ type: 'asset', fileName: basename(VERIFIER_HTML_FILE), source: verifierPageHtml(script.code) });
      const inputs = [...this.getModuleIds(), ...script.moduleIds]
        .filter((id) => !id.startsWith('\0') && !id.includes('/node_modules/'))
        .map((id) => relative(REPO_DIR, id.replace(/\?.*$/, '')));
      this.emitFile({ type: 'asset', fileName: BUILD_INPUTS, source: JSON.stringify([...new Set(inputs)].sort()) });
    },
  };
}
