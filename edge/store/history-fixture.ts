// Tests' way to put events in a database as an older edge wrote them — any type, any data — the way a record
// holds history from before an event type's schema existed or changed. EventLog.append refuses such events
// (unknown type, data not matching its schema); reading them back must still work.
import { canonicalJson } from './canonical.ts';
import type { Db } from './database.ts';
import { CHAIN_FORMAT, eventHash, GENESIS_HASH } from './event-log.ts';

export interface HistoricEvent {
  type: string;
  session?: string | null;
  actor?: string | null;
  method?: string | null;
  subject?: string | null;
  data?: Record<string, unknown>;
  at?: number;
}

/** Writes the events after the log's head, chained and hashed as EventLog does (open an EventLog after this). */
export function writeHistory(db: Db, venue: string, events: readonly HistoricEvent[]): void {
  const last = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as
    | { seq: number; hash: string }
    | undefined;
  let seq = last?.seq ?? 0;
  let prev = last?.hash ?? GENESIS_HASH;
  const insert = db.prepare(
    `INSERT INTO events (seq, venue, at, type, session, actor, method, subject, data, prev_hash, hash, format)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const e of events) {
    seq++;
    const row = {
      format: CHAIN_FORMAT,
      seq,
      venue,
      at: e.at ?? Date.now(),
      type: e.type,
      session: e.session ?? null,
      actor: e.actor ?? null,
      method: e.method ?? null,
      subject: e.subject ?? null,
      data: canonicalJson(e.data ?? {}),
      prev_hash: prev,
    };
    const hash = eventHash(row);
    insert.run(
      seq,
      venue,
      row.at,
      row.type,
      row.session,
      row.actor,
      row.method,
      row.subject,
      row.data,
      prev,
      hash,
      CHAIN_FORMAT,
    );
    prev = hash;
  }
}
