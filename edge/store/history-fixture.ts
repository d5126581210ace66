// Tests' way to put events in a database as an older edge wrote them — any type, any data — the way a record
// holds history from before an event type's schema existed or changed. EventLog.append refuses such events
// (unknown type, data not matching its schema); reading them back must still work.
import type { Db } from './database.ts';
import { chainedRow, GENESIS_HASH, type RecordedInput } from './event-log.ts';

/** Any type, any data: what an older edge may have recorded. */
export type HistoricEvent = RecordedInput;

/** Writes the events after the log's head, chained and hashed as EventLog does (open an EventLog after this). */
export function writeHistory(db: Db, venue: string, events: readonly HistoricEvent[]): void {
  const last = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as
    | { seq: number; hash: string }
    | undefined;
  let seq = last?.seq ?? 0;
  let prev = last?.hash ?? GENESIS_HASH;
  const insert = db.prepare(
    `INSERT INTO events (seq, venue, at, type, session, actor, method, subject, data, prev_hash, hash, format)
     VALUES (@seq, @venue, @at, @type, @session, @actor, @method, @subject, @data, @prev_hash, @hash, @format)`,
  );
  for (const e of events) {
    const row = chainedRow(e, ++seq, venue, prev);
    insert.run(row);
    prev = row.hash;
  }
}
