import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { EventLog, EventSchemaError, GENESIS_HASH } from './event-log.ts';
import { writeHistory } from './history-fixture.ts';
import { verifyChain } from './verify.ts';

function freshLog() {
  const file = join(mkdtempSync(join(tmpdir(), 'halledge-log-')), 'venue.db');
  const db = openDatabase(file);
  return { file, db, log: new EventLog(db, 'jincheng') };
}

function fill(log: EventLog, n: number) {
  for (let i = 0; i < n; i++) log.append({ type: 'clock.jumped', subject: `s${i}`, data: { byMs: i } });
}

describe('event log', () => {
  it('chains each event to the previous one with a gapless per-venue sequence', () => {
    const { log } = freshLog();
    const [a, b] = log.appendMany([{ type: 'edge.stopped' }, { type: 'edge.stopped', session: 'S1', actor: 'E-01' }]);
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
    expect(reopened.append({ type: 'edge.stopped' }).prevHash).toBe(head.hash);
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
      if (e.type === 'clock.jumped' && e.data.byMs === 666) throw new Error('projection failed');
    });
    expect(() => log.appendMany([{ type: 'edge.stopped' }, { type: 'clock.jumped', data: { byMs: 666 } }])).toThrow(
      'projection failed',
    );
    expect(log.head).toEqual(head);
    expect(log.append({ type: 'edge.stopped' }).seq).toBe(2);
  });

  it('queries by session and type prefix in sequence order', () => {
    const { log } = freshLog();
    log.appendMany([
      { type: 'edge.started', session: 'S1', data: { bus: 'mqtt://a', http: 'http://a' } },
      { type: 'clock.jumped', session: 'S2', data: { byMs: 5 } },
      { type: 'edge.stopped', session: 'S1' },
    ]);
    expect(log.query({ session: 'S1' }).map((e) => e.type)).toEqual(['edge.started', 'edge.stopped']);
    expect(log.query({ typePrefix: 'clock.' }).map((e) => e.seq)).toEqual([2]);
  });

  it("gives a session's span and its record as NDJSON identical to the stored events", () => {
    const { db } = freshLog();
    writeHistory(db, 'jincheng', [
      { type: 'session.scheduled', session: 'S1', at: 1000 },
      { type: 'door.granted', session: 'S2', at: 1500, data: { note: '引号 " and \\ backslash' } },
      { type: 'checkin.accepted', session: 'S1', actor: 'E-1', method: 'manual', at: 2000, data: { seat: 's1' } },
    ]);
    const log = new EventLog(db, 'jincheng');
    expect(log.sessionSpan('S1')).toEqual({ firstAt: 1000, lastAt: 2000 });
    expect(log.sessionSpan('S9')).toBeNull();
    for (const session of ['S1', 'S2']) {
      const lines = [...log.sessionLines(session)];
      expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
      expect(lines.map((l) => JSON.parse(l))).toEqual(log.query({ session }));
    }
  });

  it('refuses a type not in the catalogue, or data not matching its schema, naming the type and field path', () => {
    const { log } = freshLog();
    const append = (input: unknown) => () => log.append(input as never);
    expect(append({ type: 'door.granted', data: {} })).toThrow(
      new EventSchemaError(
        'event door.granted cannot be recorded: /type: "door.granted" is not in the event catalogue (edge/event-catalogue.ts)',
      ),
    );
    expect(append({ type: 'device.online', data: { kind: 'gate' } })).toThrow(
      /^event device.online cannot be recorded: \/data\/reason: /,
    );
    expect(append({ type: 'session.experts-authorised', data: { experts: [{ pseudonym: 'E-1', seat: 3 }] } })).toThrow(
      /\/data\/experts\/0\/seat: /,
    );
    // A field the schema does not declare (a name slipped into a device event) is refused too.
    expect(append({ type: 'device.online', data: { kind: 'gate', reason: 'status', name: '张三' } })).toThrow(
      EventSchemaError,
    );
    expect(log.head.seq).toBe(0);
  });

  it('reads old rows as they are, whatever the catalogue says now: the record is history', () => {
    const { db } = freshLog();
    writeHistory(db, 'jincheng', [
      { type: 'door.granted', data: { n: 1 } },
      { type: 'device.online', subject: 'gate-1', data: { kind: 'gate' } },
    ]);
    const log = new EventLog(db, 'jincheng');
    log.append({ type: 'device.online', subject: 'gate-1', data: { kind: 'gate', reason: 'status' } });
    expect(log.query().map((e) => [e.type, e.data])).toEqual([
      ['door.granted', { n: 1 }],
      ['device.online', { kind: 'gate' }],
      ['device.online', { kind: 'gate', reason: 'status' }],
    ]);
    expect(verifyChain(db)).toMatchObject({ ok: true, events: 3 });
  });

  it('calls a typed subscriber only for its types, after the commit', () => {
    const { log } = freshLog();
    const seen: number[] = [];
    const stop = log.onAppended(['clock.jumped'], (e) => seen.push(e.data.byMs));
    log.appendMany([{ type: 'clock.jumped', data: { byMs: 7 } }, { type: 'edge.stopped' }]);
    stop();
    log.append({ type: 'clock.jumped', data: { byMs: 8 } });
    expect(seen).toEqual([7]);
  });
});
