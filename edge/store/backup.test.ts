import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { startTestVenue, tempDir } from '../../test/venue-harness.ts';
import { BackupError, backupVenue, checkBackup, restoreVenue } from './backup.ts';
import { openDatabase } from './database.ts';
import { verifyChain } from './verify.ts';

const edges: VenueRuntime[] = [];
afterEach(async () => {
  for (const edge of edges.splice(0)) await edge.stop();
});

describe('backup and restore', () => {
  it('backs a running venue up, restores it into an empty machine, and the record verifies and goes on', async () => {
    const dataDir = tempDir();
    const edge = await startTestVenue({ dataDir });
    edges.push(edge);
    for (let i = 0; i < 50; i++) edge.log.append({ type: 'clock.jumped', actor: 'test', data: { byMs: i } });
    // Footage: the backup carries it by manifest, with its hash.
    mkdirSync(join(dataDir, 'video', 'cam-1'), { recursive: true });
    writeFileSync(join(dataDir, 'video', 'cam-1', '000001.mp4'), Buffer.alloc(4096, 7));
    const keysDir = tempDir();
    writeFileSync(join(keysDir, 'venue-signing.key'), 'secret');

    const to = join(tempDir(), 'backup-1');
    const manifest = await backupVenue({ dataDir, keysDir, to });
    const headAtBackup = edge.log.head;
    edge.log.append({ type: 'clock.jumped', actor: 'test', data: { byMs: -1 } }); // after the backup: not restored
    expect(manifest.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['data/halledge.db', 'data/video/cam-1/000001.mp4']),
    );
    expect(manifest.keys.map((f) => f.path)).toEqual(['keys/venue-signing.key']);
    expect(await checkBackup(to)).toEqual([]);
    expect(statSync(join(to, 'data', 'halledge.db')).mode & 0o777).toBe(0o600);

    const restoredData = join(tempDir(), 'data');
    const restoredKeys = join(tempDir(), 'keys');
    await restoreVenue({ from: to, dataDir: restoredData, keysDir: restoredKeys });
    expect(readFileSync(join(restoredKeys, 'venue-signing.key'), 'utf8')).toBe('secret');
    await expect(restoreVenue({ from: to, dataDir: restoredData, keysDir: tempDir() })).rejects.toThrow(/not empty/);
    const db = openDatabase(join(restoredData, 'halledge.db'));
    const verdict = verifyChain(db);
    db.close();
    expect(verdict).toMatchObject({ ok: true, headSeq: headAtBackup.seq, headHash: headAtBackup.hash });

    // The restored venue starts and its record goes on from the backed-up head.
    const restored = await startTestVenue({ dataDir: restoredData });
    edges.push(restored);
    expect(restored.log.head.seq).toBeGreaterThan(headAtBackup.seq);
    expect(restored.log.query({ type: 'clock.jumped' }).map((e) => e.data.byMs)).not.toContain(-1);
  });

  it('refuses an altered or incomplete backup, naming the file', async () => {
    const dataDir = tempDir();
    const edge = await startTestVenue({ dataDir });
    edges.push(edge);
    mkdirSync(join(dataDir, 'recordings'), { recursive: true });
    writeFileSync(join(dataDir, 'recordings', 'call.ogg'), Buffer.alloc(1000, 1));
    const to = join(tempDir(), 'backup');
    await backupVenue({ dataDir, to });

    const footage = join(to, 'data', 'recordings', 'call.ogg');
    const bytes = readFileSync(footage);
    bytes[500] = 2;
    writeFileSync(footage, bytes);
    writeFileSync(join(to, 'data', 'planted.txt'), 'x');
    expect(await checkBackup(to)).toEqual([
      'data/recordings/call.ogg: altered (SHA-256 differs from the manifest)',
      'data/planted.txt: not in the manifest',
    ]);
    await expect(restoreVenue({ from: to, dataDir: join(tempDir(), 'd') })).rejects.toThrow(BackupError);
    await expect(restoreVenue({ from: to, dataDir })).rejects.toThrow(/not an intact backup/);
    await expect(backupVenue({ dataDir, to })).rejects.toThrow(/not empty/);
  });
});
