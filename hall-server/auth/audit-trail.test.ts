import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../edge/store/database.ts';
import { EventLog } from '../../edge/store/event-log.ts';
import { type HistoricEvent, writeHistory } from '../../edge/store/history-fixture.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { type AuditFilter, auditTrail } from './audit-trail.ts';

const T0 = Date.UTC(2026, 11, 6, 2);
const viewed = (actor: string, route: string, params: object, at: number, query: object = {}): HistoricEvent => ({
  type: 'audit.viewed',
  actor,
  at,
  data: { route, params, query },
});

/** A day's record as the guard, tracking and evidence export write it, between other events. */
const RECORD: HistoricEvent[] = [
  { type: 'session.state-changed', session: 'S1', actor: 'wang', at: T0, data: { to: 'in-progress' } },
  viewed('li', '/api/video/replay/:session', { session: 'S1' }, T0 + 1000), // 2
  {
    type: 'audit.viewed',
    session: 'S1',
    actor: 'li',
    subject: 'cam-1',
    at: T0 + 2000,
    data: { route: '/api/video/replay/:session/segments/:segment', params: { session: 'S1', segment: 4 } },
  }, // 3
  viewed('li', '/api/events', {}, T0 + 3000, { session: 'S1' }), // 4
  { type: 'tracking.trajectory-viewed', actor: 'li', subject: 'E1', at: T0 + 4000, data: { person: 'E1' } }, // 5
  { type: 'audit.names-viewed', session: 'S2', actor: 'wang', at: T0 + 5000, data: { pseudonyms: ['E9'] } }, // 6
  { type: 'evidence.exported', session: 'S1', actor: 'zhao', at: T0 + 6000, data: { sha256: 'ab' } }, // 7
  {
    type: 'audit.action',
    actor: 'zhao',
    at: T0 + 6000,
    data: { method: 'POST', route: '/api/sessions/:id/evidence', params: { id: 'S1' }, status: 200 },
  }, // 8
  { type: 'audit.denied', actor: 'sun', at: T0 + 7000, data: { method: 'POST', route: '/api/sessions' } }, // 9
  viewed('wang', '/api/sessions/:id/calls/:call/recording', { id: 'S2', call: 'c1' }, T0 + 8000), // 10
  { type: 'audit.signed-in', actor: 'li', at: T0 + 9000, data: { ip: '127.0.0.1' } }, // 11
  viewed('li', '/api/alarms/:id', { id: 'S1' }, T0 + 9500), // 12: an alarm id is no session
];

describe('audit trail: who viewed, replayed, exported or saw names', () => {
  // Written as the record holds them; only the fields the trail reads are filled in.
  const log = new EventLog(openDatabase(join(tempDir('audit-trail-'), 'venue.db')), 'jincheng');
  writeHistory(log.db, 'jincheng', RECORD);
  const cases: [string, AuditFilter, number[]][] = [
    ['everything audited, newest first (not the state change)', {}, [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]],
    ['replays: footage index, a segment, a track, a call', { actions: ['replayed'] }, [10, 5, 3, 2]],
    ['views that are not replays', { actions: ['viewed'] }, [12, 4]],
    ['exports and names', { actions: ['exported', 'names'] }, [7, 6]],
    ['by person', { actor: 'zhao' }, [8, 7]],
    ['by session: own column, :session, ?session=, /api/sessions/:id', { session: 'S1' }, [8, 7, 4, 3, 2]],
    ['by session S2: names seen, a call heard', { session: 'S2' }, [10, 6]],
    ['by time: [from, to)', { from: T0 + 4000, to: T0 + 7000 }, [8, 7, 6, 5]],
    ['a person, an action and a session together', { actor: 'li', actions: ['replayed'], session: 'S1' }, [3, 2]],
    ['the next page', { before: 6, limit: 2 }, [5, 4]],
  ];
  it.each(cases)('%s', (_name, filter, seqs) => {
    expect(auditTrail(log.db, filter).map((e) => e.seq)).toEqual(seqs);
  });

  it('names each entry by action and the session it concerns', () => {
    const byType = Object.fromEntries(auditTrail(log.db).map((e) => [e.seq, [e.action, e.session]]));
    expect(byType).toMatchObject({
      2: ['replayed', 'S1'],
      4: ['viewed', 'S1'],
      5: ['replayed', null],
      6: ['names', 'S2'],
      7: ['exported', 'S1'],
      8: ['changed', 'S1'],
      9: ['denied', null],
      10: ['replayed', 'S2'],
      11: ['signed-in', null],
      12: ['viewed', null],
    });
  });
});
