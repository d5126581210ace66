import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { api, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';
import { loadSyncConfig, resolveSyncConfig, syncConfigFile } from './config.ts';

describe('sync.json', () => {
  it('is optional: without it the venue does not forward but shows its key for registration', async () => {
    const edge = await startTestVenue({ venue: testVenue('gaoping', 30) });
    try {
      const { body } = await api(edge, '/api/sync');
      expect(body).toMatchObject({ configured: false, outbox: null, transport: null, platformKey: false });
      expect(body.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      expect(body.keyId).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      await edge.stop();
    }
  });

  it('names the field and the file when it is not valid', () => {
    const dir = tempDir();
    const file = syncConfigFile(dir);
    writeFileSync(file, JSON.stringify({ transport: 'http', url: 'http://127.0.0.1:9400', batchSize: 0 }));
    expect(() => loadSyncConfig(dir, dir)).toThrow(`${file}: /batchSize: must be >= 1`);
    writeFileSync(file, JSON.stringify({ transport: 'carrier-pigeon', url: 'http://127.0.0.1:9400' }));
    expect(() => loadSyncConfig(dir, dir)).toThrow(/\/transport: must be equal to one of the allowed values/);
    writeFileSync(file, JSON.stringify({ transport: 'http', url: 'ftp://platform' }));
    expect(() => loadSyncConfig(dir, dir)).toThrow(/\/url: must match pattern/);
    writeFileSync(file, '{ "transport": ');
    expect(() => loadSyncConfig(dir, dir)).toThrow(/not JSON/);
    writeFileSync(file, JSON.stringify({ transport: 'mqtt', url: 'mqtt://127.0.0.1:1883' }));
    expect(loadSyncConfig(dir, dir)).toMatchObject({ batchSize: 5000, lingerMs: 200, lagAlarm: { events: 50_000 } });
  });

  it.each([
    ['http, not said', { transport: 'http', url: 'https://hub.city' }, true],
    ['http, switched off', { transport: 'http', url: 'https://hub.city', link: false }, false],
    ['mqtt (no link there)', { transport: 'mqtt', url: 'mqtt://broker.city' }, false],
  ])('the edge↔hub link: %s → %s', (_name, raw, link) => {
    expect(resolveSyncConfig(raw, tempDir()).link).toBe(link);
  });
});
