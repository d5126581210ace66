import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_INPUTS, DASHBOARDS_DIST } from './build.ts';

describe('the pages build (test/global-setup.ts ran it)', () => {
  it("lists the sources it read outside dashboards/, the offline verifier's included, so a change to one rebuilds", () => {
    const inputs = JSON.parse(readFileSync(join(DASHBOARDS_DIST, BUILD_INPUTS), 'utf8')) as string[];
    expect(inputs).toEqual(
      expect.arrayContaining([
        'edge/evidence/verifier-page.ts',
        'edge/evidence/verify-evidence.ts',
        'edge/store/sm3.ts',
        'edge/store/sm2-curve.ts',
        'edge/alerts/alarm-kinds.ts',
        'dashboards/console/main.tsx',
      ]),
    );
    expect(inputs.filter((input) => input.startsWith('/') || input.includes('node_modules'))).toEqual([]);
  });
});
