import type { Db } from './database.ts';
import { type EventRow, eventHash, GENESIS_HASH } from './event-log.ts';

export type ChainVerdict =
  | { ok: true; events: number; headSeq: number; headHash: string }
  | { ok: false; events: number; brokenAt: number; reason: string };

/**
 * Walks the whole chain. Names the first event whose hash, link or sequence is wrong:
 * an edited event fails its own hash, a deleted one leaves a sequence gap and a broken link.
 */
export function verifyChain(db: Db): ChainVerdict {
  const rows = db.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for (const row of rows) {
    const fail = (reason: string): ChainVerdict => {
      rows.return?.();
      return { ok: false, events: count, brokenAt: row.seq, reason };
    };
    if (row.seq !== expectedSeq) return fail(`sequence gap: expected ${expectedSeq}, found ${row.seq}`);
    if (row.prev_hash !== prevHash) return fail('previous-hash link does not match the preceding event');
    if (eventHash(row) !== row.hash) return fail('content does not match its hash (event was modified)');
    prevHash = row.hash;
    expectedSeq++;
    count++;
  }
  return { ok: true, events: count, headSeq: expectedSeq - 1, headHash: prevHash };
}
