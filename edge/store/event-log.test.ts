import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { EventLog, GENESIS_HASH } from './event-log.ts';
import { verifyChain } from './verify.ts';

function freshLog() {
  const file = join(mkdtempSync(join(tmpdir(), 'halledge-log-')), 'venue.db');
  const db = openDatabase(file);
  return { file, db, log: new EventLog(db, 'jincheng') };
}

function fill(log: EventLog, n: number) {
  for (let i = 0; i < n; i++) log.append({ type: 'test.fact', subject: `s${i}`, data: { i } });
}

describe('event log', () => {
  it('chains each event to the previous one with a gapless per-venue sequence', () => {
    const { log } = freshLog();
    const [a, b] = log.appendMany([{ type: 'x' }, { type: 'y', session: 'S1', actor: 'E-01' }]);
    expect(a!.seq).toBe(1);
    expect(a!.prevHash).toBe(GENESIS_HASH);
    expect(b!.seq).toBe(2);
    expect(b!.prevHash).toBe(a!.hash);
    expect(b!.venue).toBe('jincheng');
  });

  it('continues the chain after the database is reopened', () => {
    const { file, db, log } = freshLog();
    fill(log, 3);
    const head = log.head;
    db.close();
    const reopened = new EventLog(openDatabase(file), 'jincheng');
    expect(reopened.head).toEqual(head);
    expect(reopened.append({ type: 'after.restart' }).prevHash).toBe(head.hash);
    expect(verifyChain(reopened.db)).toMatchObject({ ok: true, events: 4 });
  });

  it('refuses updates and deletes at the database level', () => {
    const { db, log } = freshLog();
    fill(log, 2);
    expect(() => db.prepare("UPDATE events SET type = 'forged' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events WHERE seq = 1').run()).toThrow(/append-only/);
  });

  it('rolls back the chain head when a projection fails mid-batch', () => {
    const { log } = freshLog();
    fill(log, 1);
    const head = log.head;
    log.addProjection((e) => {
      if (e.type === 'poison') throw new Error('projection failed');
    });
    expect(() => log.appendMany([{ type: 'ok' }, { type: 'poison' }])).toThrow('projection failed');
    expect(log.head).toEqual(head);
    expect(log.append({ type: 'ok' }).seq).toBe(2);
  });

  it('queries by session and type prefix in sequence order', () => {
    const { log } = freshLog();
    log.appendMany([
      { type: 'checkin.accepted', session: 'S1' },
      { type: 'door.granted', session: 'S2' },
      { type: 'checkin.refused', session: 'S1' },
    ]);
    expect(log.query({ session: 'S1' }).map((e) => e.type)).toEqual(['checkin.accepted', 'checkin.refused']);
    expect(log.query({ typePrefix: 'door.' }).map((e) => e.seq)).toEqual([2]);
  });

  it("gives a session's span and its record as NDJSON identical to the stored events", () => {
    const { log } = freshLog();
    log.appendMany([
      { type: 'session.scheduled', session: 'S1', at: 1000 },
      { type: 'door.granted', session: 'S2', at: 1500, data: { note: '引号 " and \\ backslash' } },
      { type: 'checkin.accepted', session: 'S1', actor: 'E-1', method: 'manual', at: 2000, data: { seat: 's1' } },
    ]);
    expect(log.sessionSpan('S1')).toEqual({ firstAt: 1000, lastAt: 2000 });
    expect(log.sessionSpan('S9')).toBeNull();
    for (const session of ['S1', 'S2']) {
      const lines = [...log.sessionLines(session)];
      expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
      expect(lines.map((l) => JSON.parse(l))).toEqual(log.query({ session }));
    }
  });
});
