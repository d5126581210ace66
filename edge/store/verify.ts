import type { Db } from './database.ts';
import { type EventRow, eventHash, GENESIS_HASH } from './event-log.ts';

/**
 * One thing wrong with the record, over a range of sequence numbers. Kinds found by walking the chain:
 * - `missing`: sequence numbers absent (events deleted),
 * - `modified`: an event's stored content does not match its own hash,
 * - `unlinked`: an event's previous-hash does not match the event before it (an event before it was replaced
 *   with its hash recomputed, or the chain was cut and spliced),
 * - `format-regressed`: an event in chain format 1 after one in a canonical format (2: SHA-256, 3: SM3) — a
 *   forger's way around the content checks. Switching between 2 and 3 (a venue joining or leaving the 国密 suite)
 *   is not a regression: both hash the same canonical content.
 * Other checks (checkpoints, receipts) add their own kinds beside these.
 */
export interface VerifyFinding {
  kind: string;
  fromSeq: number;
  toSeq: number;
  /** What an auditor reads, in English; `kind` is the stable word. */
  detail: string;
}

export interface VerifyReport {
  /** true when there are no findings. */
  ok: boolean;
  /** Events read. */
  events: number;
  /** The last event as stored (seq 0 and the genesis hash for an empty log). */
  headSeq: number;
  headHash: string;
  /** Every broken range, in sequence order, not only the first. */
  findings: VerifyFinding[];
}

/**
 * Walks the whole chain to its end and reports every broken range. Each event is checked against its own hash
 * and linked to the stored hash of the event before it, so one edited event is one finding and the events after
 * it still verify; a run of consecutive events with the same fault is one range.
 */
export function verifyChain(db: Db): VerifyReport {
  const rows = db.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>;
  const findings: VerifyFinding[] = [];
  const report = (kind: string, fromSeq: number, toSeq: number, detail: string) => {
    const last = findings.at(-1);
    if (last && last.kind === kind && last.toSeq === fromSeq - 1) last.toSeq = toSeq;
    else findings.push({ kind, fromSeq, toSeq, detail });
  };
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let canonical = false;
  let count = 0;
  for (const row of rows) {
    count++;
    if (row.seq !== expectedSeq) {
      report('missing', expectedSeq, row.seq - 1, 'sequence numbers absent (events deleted)');
    } else if (row.prev_hash !== prevHash) {
      report('unlinked', row.seq, row.seq, 'previous-hash does not match the event before it');
    }
    if (eventHash(row) !== row.hash) report('modified', row.seq, row.seq, 'content does not match its hash');
    const rowFormat = row.format ?? 1;
    if (rowFormat === 1 && canonical) {
      report('format-regressed', row.seq, row.seq, 'chain format 1 after a canonical format (2 or 3)');
    }
    canonical ||= rowFormat !== 1;
    prevHash = row.hash;
    expectedSeq = row.seq + 1;
  }
  return { ok: findings.length === 0, events: count, headSeq: expectedSeq - 1, headHash: prevHash, findings };
}

/** One line per finding, e.g. `#6–#9 modified: content does not match its hash`. */
export function describeFinding(f: VerifyFinding): string {
  const range = f.fromSeq === f.toSeq ? `#${f.fromSeq}` : `#${f.fromSeq}–#${f.toSeq}`;
  return `${range} ${f.kind}: ${f.detail}`;
}
