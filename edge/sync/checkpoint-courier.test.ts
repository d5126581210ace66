import { readFileSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { verifyStoredChain } from '../../city/audit.ts';
import { configureSync, startTestHub, type TestHub } from '../../test/sync-fixture.ts';
import { api, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';
import { waitUntil } from '../../test/wait-until.ts';
import { defaultKeysDir } from '../keys-dir.ts';
import { anchorFiles } from '../store/anchors.ts';
import type { Receipt } from '../store/checkpoint-format.ts';
import { loadOrCreateSm2Key, sm2KeyFiles } from '../store/suites.ts';
import { truncateLog } from '../store/tamper-fixture.ts';
import { loadOrCreateVenueKey } from './keys.ts';

let city: TestHub | null = null;
let edge: VenueRuntime | null = null;
afterEach(async () => {
  await edge?.stop();
  await city?.stop();
  edge = city = null;
});

const receiptsIn = (dataDir: string): Receipt[] =>
  readFileSync(anchorFiles(dataDir).receipts, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Receipt);

/** Waits as `waitUntil` does, with this file's limit. */
const until = <T>(what: string, check: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000) =>
  waitUntil(what, check, ok, timeoutMs);

describe('checkpoints to the city and receipts back (HTTP)', () => {
  it('the city countersigns each consistent checkpoint; one that does not extend what it holds is refused and raises an alarm', async () => {
    city = await startTestHub();
    const { hub } = city;
    const dataDir = tempDir();
    await hub.registerVenue('gaoping', loadOrCreateVenueKey(dataDir).publicKeyPem);
    configureSync(dataDir, hub, { url: city.url });
    const venue = { ...testVenue('gaoping', 30), record: { checkpointEveryEvents: 40 } };
    edge = await startTestVenue({ venue, dataDir });
    const facts = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ type: 'clock.jumped' as const, data: { byMs: i } }));

    edge.log.appendMany(facts(50));
    const first = await until(
      'the first receipt',
      () => edge!.anchor.receipted?.receipt,
      (r) => r !== undefined,
    );
    edge.log.appendMany(facts(50));
    const second = await until(
      'a receipt for the next checkpoint',
      () => edge!.anchor.receipted?.receipt,
      (r) => r !== undefined && r.size > first!.size,
    );
    // The second was accepted only with a consistency proof from the first (the city holds the first).
    expect(await hub.notary.latest('gaoping')).toMatchObject({ size: second!.size, root: second!.root });
    expect(receiptsIn(dataDir).map((r) => r.size)).toEqual([first!.size, second!.size]);
    const verify = await fetch(`${edge.httpUrl}/api/record`).then((r) => r.status);
    expect(verify).toBe(401); // the record's status is for signed-in users

    // An attacker cuts the log and removes the local anchors so the edge starts without a word …
    await edge.stop();
    edge = null;
    truncateLog(dataDir, 30);
    for (const file of Object.values(anchorFiles(dataDir))) rmSync(file);
    edge = await startTestVenue({ venue, dataDir });
    expect(edge.anchor.degraded).toBe(false);
    // … but the city holds the last receipted checkpoint: the edge's next one does not extend it.
    edge.log.appendMany(facts(100));
    const alarm = await until(
      'the checkpoint-refused alarm',
      () => edge!.alarms.openFor('checkpoint-refused', 'city-platform'),
      (a) => a !== null,
    );
    expect(alarm).toMatchObject({ level: 3, details: { error: expect.stringMatching(/consistency proof/) } });
    expect(edge.services.sync.status().checkpoints).toMatchObject({ state: 'refused' });
    expect((await hub.notary.latest('gaoping'))?.size).toBe(second!.size);
  });
});

describe('after an acknowledged loss', () => {
  it('the edge signs the shorter record again and the city refuses it: the loss shows upstream too', async () => {
    city = await startTestHub();
    const dataDir = tempDir();
    await city.hub.registerVenue('gaoping', loadOrCreateVenueKey(dataDir).publicKeyPem);
    configureSync(dataDir, city.hub, { url: city.http.url });
    const venue = { ...testVenue('gaoping', 30), record: { checkpointEveryEvents: 40 } };
    edge = await startTestVenue({ venue, dataDir });
    edge.log.appendMany(Array.from({ length: 50 }, (_, i) => ({ type: 'clock.jumped' as const, data: { byMs: i } })));
    await until(
      'a receipt',
      () => edge!.anchor.receipted,
      (r) => r !== null,
    );
    await edge.stop();
    edge = null;
    truncateLog(dataDir, 20);
    edge = await startTestVenue({ venue, dataDir });
    expect(edge.anchor.degraded).toBe(true);
    await edge.anchor.acknowledgeLoss('admin', 'restored from backup');
    const alarm = await until(
      'the checkpoint-refused alarm',
      () => edge!.alarms.openFor('checkpoint-refused', 'city-platform'),
      (a) => a !== null,
    );
    expect(alarm?.details).toMatchObject({ error: expect.stringMatching(/behind the checkpoint held/) });
  });
});

describe('checkpoints in the 国密 suite', () => {
  it('a venue with record.suite sm2-sm3 signs SM2 checkpoints over an SM3 tree; the city countersigns them', async () => {
    city = await startTestHub();
    const dataDir = tempDir();
    const keysDir = defaultKeysDir(dataDir);
    await city.hub.registerVenue('qinshui', loadOrCreateVenueKey(keysDir).publicKeyPem);
    loadOrCreateSm2Key(keysDir);
    await city.hub.registerCheckpointKey('qinshui', readFileSync(sm2KeyFiles(keysDir).publicKey, 'utf8'));
    configureSync(dataDir, city.hub, { url: city.http.url });
    const venue = { ...testVenue('qinshui', 30), record: { checkpointEveryEvents: 40, suite: 'sm2-sm3' as const } };
    edge = await startTestVenue({ venue, dataDir });
    edge.log.appendMany(Array.from({ length: 50 }, (_, i) => ({ type: 'clock.jumped' as const, data: { byMs: i } })));
    const receipt = await until(
      'a receipt',
      () => edge!.anchor.receipted?.receipt,
      (r) => r !== undefined,
    );
    expect(receipt).toMatchObject({ suite: 'sm2-sm3', size: edge.anchor.lastCheckpoint!.size });
    const verify = await api(edge, '/api/events/verify');
    expect(verify.body).toMatchObject({ ok: true, anchors: { ok: true, receipts: 1 } });
    // The chain is SM3 (format 3) from the first event, and the batches went up signed with SM2.
    expect(edge.log.db.prepare('SELECT DISTINCT format FROM events').pluck().all()).toEqual([3]);
    await until(
      'the first 50 events at the city',
      async () => (await city!.hub.head('qinshui')).seq,
      (seq) => seq >= 50,
    );
    const batches = await city.hub.batches('qinshui');
    expect(batches.every((b) => b.suite === 'sm2-sm3')).toBe(true);
    expect(await verifyStoredChain(city.hub, 'qinshui')).toMatchObject({ ok: true });
  });
});
