import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/venue-harness.ts';
import { type Db, openDatabase } from './database.ts';
import { EventLog, eventHash, GENESIS_HASH, RecordContentError } from './event-log.ts';
import { verifyChain } from './verify.ts';

function logOf(n: number) {
  const db = openDatabase(join(tempDir(), 'venue.db'));
  const log = new EventLog(db, 'jincheng');
  for (let i = 1; i <= n; i++) log.append({ type: 'clock.jumped', subject: `s${i}`, data: { byMs: i } });
  db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;'); // as an attacker with the file would
  return { db, log };
}

function editData(db: Db, ...seqs: number[]) {
  for (const seq of seqs) db.prepare(`UPDATE events SET data = '{"i":999}' WHERE seq = ?`).run(seq);
}
const remove = (db: Db, from: number, to = from) =>
  db.prepare('DELETE FROM events WHERE seq BETWEEN ? AND ?').run(from, to);
/** Edits an event and recomputes its own hash: only the next event's link gives it away. */
function rehash(db: Db, seq: number) {
  editData(db, seq);
  const row = db.prepare('SELECT * FROM events WHERE seq = ?').get(seq) as Parameters<typeof eventHash>[0];
  db.prepare('UPDATE events SET hash = ? WHERE seq = ?').run(eventHash(row), seq);
}

describe('verify reports every broken range and keeps going to the end', () => {
  const cases: { name: string; tamper: (db: Db) => void; findings: [string, number, number][] }[] = [
    { name: 'nothing touched', tamper: () => {}, findings: [] },
    { name: 'one edited event', tamper: (db) => editData(db, 6), findings: [['modified', 6, 6]] },
    {
      name: 'two edits far apart: the second is reported too',
      tamper: (db) => editData(db, 6, 15),
      findings: [
        ['modified', 6, 6],
        ['modified', 15, 15],
      ],
    },
    {
      name: 'a run of edited events is one range',
      tamper: (db) => editData(db, 6, 7, 8, 9),
      findings: [['modified', 6, 9]],
    },
    {
      name: 'deleted events, two places',
      tamper: (db) => {
        remove(db, 4, 5);
        remove(db, 12);
      },
      findings: [
        ['missing', 4, 5],
        ['missing', 12, 12],
      ],
    },
    { name: 'an edit with its hash recomputed', tamper: (db) => rehash(db, 10), findings: [['unlinked', 11, 11]] },
    {
      name: 'a deletion, then an edit after it',
      tamper: (db) => {
        remove(db, 3);
        editData(db, 18);
      },
      findings: [
        ['missing', 3, 3],
        ['modified', 18, 18],
      ],
    },
    {
      name: 'an event set back to the old chain format',
      tamper: (db) => db.prepare('UPDATE events SET format = 1 WHERE seq = 10').run(),
      findings: [
        ['modified', 10, 10],
        ['format-regressed', 10, 10],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { db } = logOf(20);
      c.tamper(db);
      const report = verifyChain(db);
      expect(report.findings.map((f) => [f.kind, f.fromSeq, f.toSeq])).toEqual(c.findings);
      expect(report.ok).toBe(c.findings.length === 0);
      expect(report.headSeq).toBe(20);
    });
  }
});

describe('canonical content', () => {
  it('refuses what it could not store exactly as hashed, naming the field, and leaves the chain untouched', () => {
    const { db, log } = logOf(2);
    const head = log.head;
    for (const [input, message] of [
      [{ type: 'locker.deposit', data: { holder: 'x\ud800y' } }, '/data/holder: not well-formed Unicode'],
      [{ type: 'intercom.call', actor: 'E-\udc00' }, '/actor: not well-formed Unicode'],
      [{ type: 'door.granted', data: { list: [{ at: Number.POSITIVE_INFINITY }] } }, '/data/list/0/at: not a finite'],
      [{ type: 'door.granted', data: { note: 'bell\u0007' } }, '/data/note: control character'],
      [{ type: 'door.granted', subject: 'door\n1' }, '/subject: control character'],
      [{ type: 'door.granted', at: 1.5 }, '/at: not a time'],
    ] as const) {
      // Content is checked before the catalogue: these fail for what they hold, whatever their type.
      expect(() => log.append(input as never)).toThrow(RecordContentError);
      expect(() => log.append(input as never)).toThrow(message);
    }
    expect(log.head).toEqual(head);
    expect(verifyChain(db).ok).toBe(true);
  });

  it('stores data as RFC 8785 canonical JSON and reads back exactly what was hashed', () => {
    const { db, log } = logOf(0);
    // checkin.refused carries the method's evidence beside its fields (its schema allows more).
    const data = {
      reason: 'no-face',
      outcome: 'refused' as const,
      verifiedBy: 'face-1',
      z: 1,
      a: '中文 😀',
      note: 'two\nlines\tand a tab',
      n: [1.5, -0.25, 1e21],
    };
    const written = log.append({ type: 'checkin.refused', actor: 'E-😀', data });
    const stored = db.prepare('SELECT data FROM events WHERE seq = ?').pluck().get(written.seq);
    expect(stored).toBe(
      '{"a":"中文 😀","n":[1.5,-0.25,1e+21],"note":"two\\nlines\\tand a tab","outcome":"refused","reason":"no-face","verifiedBy":"face-1","z":1}',
    );
    expect(log.query({})[0]).toEqual(written);
    expect(verifyChain(db).ok).toBe(true);
  });
});

describe('a database made before canonical content', () => {
  /** The record as the first version wrote it: columns joined with U+001F, data as JSON.stringify. */
  function oldDatabase(rows: { type: string; actor?: string; data: Record<string, unknown> }[]) {
    const file = join(tempDir(), 'old.db');
    const db = openDatabase(file);
    db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, venue TEXT NOT NULL, at INTEGER NOT NULL, type TEXT NOT NULL,
      session TEXT, actor TEXT, method TEXT, subject TEXT, data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
      INSERT INTO schema_migrations VALUES ('event-log', 1, 0);`);
    let prev = GENESIS_HASH;
    rows.forEach((r, i) => {
      const cols = [i + 1, 'jincheng', 1000 + i, r.type, '', r.actor ?? '', '', '', JSON.stringify(r.data), prev];
      const hash = createHash('sha256').update(cols.join('\u001f')).digest('hex');
      db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, NULL, ?, NULL, NULL, ?, ?, ?)').run(
        i + 1,
        'jincheng',
        1000 + i,
        r.type,
        r.actor ?? null,
        JSON.stringify(r.data),
        prev,
        hash,
      );
      prev = hash;
    });
    db.close();
    return file;
  }

  it('still verifies, and the chain goes on in the new format after it', () => {
    const file = oldDatabase([
      { type: 'edge.started', data: { b: 1, a: 2 } },
      { type: 'locker.deposit', actor: 'E-1', data: { holder: 'E-1' } },
    ]);
    const db = openDatabase(file);
    const log = new EventLog(db, 'jincheng');
    log.append({ type: 'edge.started', data: { http: 'h', bus: 'b' } });
    expect(db.prepare('SELECT format FROM events ORDER BY seq').pluck().all()).toEqual([1, 1, 2]);
    expect(verifyChain(db)).toMatchObject({ ok: true, events: 3, findings: [] });
    db.prepare(`UPDATE events SET actor = 'E-2' WHERE seq = 2`).run(); // the old table had no triggers here
    expect(verifyChain(db).findings.map((f) => [f.kind, f.fromSeq])).toEqual([['modified', 2]]);
  });
});
