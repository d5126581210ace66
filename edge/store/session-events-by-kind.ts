import type { Db } from './database.ts';
import { type EventRow, type LoggedEvent, rowToEvent } from './event-log.ts';

/** The first code point after every type starting with `prefix` ("alarm." → "alarm/"): the end of its index range. */
const rangeEnd = (prefix: string) =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/**
 * A session's events of some kinds (type prefixes such as "alarm."), in record order, at most `limitPerKind` of
 * each. Each kind is read through the type index (a range), not by walking the session's events: a long session's
 * record is mostly zone entries, and the replay's markers are the few other kinds.
 */
export function sessionEventsByKind(
  db: Db,
  session: string,
  prefixes: readonly string[],
  limitPerKind: number,
): LoggedEvent[] {
  const statement = db.prepare(
    `SELECT * FROM events INDEXED BY events_type
     WHERE type >= @from AND type < @to AND session = @session ORDER BY seq LIMIT @limit`,
  );
  return prefixes
    .flatMap(
      (prefix) => statement.all({ from: prefix, to: rangeEnd(prefix), session, limit: limitPerKind }) as EventRow[],
    )
    .sort((a, b) => a.seq - b.seq)
    .map(rowToEvent);
}
