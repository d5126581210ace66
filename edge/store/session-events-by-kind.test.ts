import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/venue-harness.ts';
import { openDatabase } from './database.ts';
import { EventLog } from './event-log.ts';
import { writeHistory } from './history-fixture.ts';
import { sessionEventsByKind } from './session-events-by-kind.ts';

describe("a session's events by kind (the replay's markers)", () => {
  const { db } = new EventLog(openDatabase(join(tempDir('by-kind-'), 'venue.db')), 'jincheng'); // its tables
  // seq 1…8: S's and O's events; "alarms" (no dot) is not of the kind "alarm.". Written as history: only the
  // types matter here, and some are not (or no longer) in the catalogue.
  writeHistory(db, 'jincheng', [
    { type: 'alarm.raised', session: 'S', data: { alarmId: 'a1', kind: 'held-open', level: 2, details: {} } },
    { type: 'tracking.zone-entered', session: 'S' },
    { type: 'access.passage', session: 'O' },
    { type: 'access.passage', session: 'S' },
    { type: 'alarms', session: 'S' },
    { type: 'access.decision', session: 'S' },
    { type: 'alarm.acknowledged', session: 'S', data: { alarmId: 'a1' } },
    { type: 'access.passage', session: 'S' },
  ]);
  it.each([
    ['one kind, this session only', ['access.'], 10, [4, 6, 8]],
    ['two kinds merged in record order', ['alarm.', 'access.'], 10, [1, 4, 6, 7, 8]],
    ['at most the limit of each kind, the earliest', ['alarm.', 'access.'], 1, [1, 4]],
    ['a kind the session lacks', ['intercom.'], 10, []],
  ])('%s', (_name, kinds, limit, seqs) => {
    expect(sessionEventsByKind(db, 'S', kinds, limit).map((e) => e.seq)).toEqual(seqs);
  });
});
