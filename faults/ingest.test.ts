import { describe, expect, it } from 'vitest';
import { killDuringIngest } from './ingest.ts';

// The short one of `npm run faults -- ingest` (10 runs, checkpoints, broker restart): one kill -9 of a real edge
// process under QoS 1 traffic. Every deposit the device holds a PUBACK for must be in the record after the restart.
describe('kill -9 during device ingest', () => {
  it('loses nothing that was acknowledged, and the chain verifies after the restart', async () => {
    const run = await killDuringIngest('test-kill', { afterMs: 1500 });
    expect(run.acked).toBeGreaterThan(0);
    expect(run.lost).toBe(0);
    expect(run.recorded).toBeGreaterThanOrEqual(run.acked);
    expect(run.chainIntact).toBe(true);
  }, 120_000);
});
