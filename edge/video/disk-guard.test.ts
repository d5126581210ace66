import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/venue-harness.ts';
import { AlarmEngine } from '../alerts/alarms.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { DiskGuard } from './disk-guard.ts';

const MB = 2 ** 20;

describe('the disk guard', () => {
  // Free space read at each check, and whether recording is refused after it (reserve 100 MB, resume at 200 MB).
  const steps: [freeMb: number, full: boolean][] = [
    [500, false],
    [101, false],
    [99, true], // under the reserve: refused
    [10, true],
    [150, true], // back over the reserve, but not yet twice it: still refused, no flapping at the line
    [199, true],
    [200, false], // twice the reserve: resumed
    [120, false],
    [50, true], // and refused again
  ];

  it('refuses recording under the reserve and resumes at twice it, with the alarm and the record', () => {
    const db = openDatabase(join(tempDir('halledge-disk-guard-'), 'edge.db'));
    const log = new EventLog(db, 'qinshui');
    const alarms = new AlarmEngine(log);
    let free = 0;
    const changes: boolean[] = [];
    const guard = new DiskGuard(
      { log, alarms },
      { reserveBytes: 100 * MB },
      (full) => changes.push(full),
      () => free,
    );
    try {
      for (const [freeMb, full] of steps) {
        free = freeMb * MB;
        expect([freeMb, guard.check()]).toEqual([freeMb, full]);
        expect(alarms.openFor('disk-full', 'video-storage') !== null).toBe(full);
      }
      expect(changes).toEqual([true, false, true]);
      expect(log.query({ type: 'video.recording-refused' }).map((e) => e.data.free)).toEqual([99 * MB, 50 * MB]);
      expect(log.query({ type: 'video.recording-resumed' }).map((e) => e.data.free)).toEqual([200 * MB]);
    } finally {
      guard.stop();
      db.close();
    }
  });
});
