/**
 * Late arrival (迟到): nobody checks in or enters after the session's start + the late-entry window without a
 * witness's recorded decision (docs/sessions-access.md, Rules: `late-needs-witness`). Check-in holds a late
 * expert at the terminal ("held for witness"); gates and room doors refuse them until the witness decides.
 */

/** Where an expert stands against the late-entry rule at a moment. */
export type Admission = 'on-time' | 'held' | 'approved' | 'refused';

/** A witness's decision on one late arrival (`session.late-arrival-decided`). */
export interface LateDecision {
  pseudonym: string;
  approved: boolean;
  by: string;
  at: number;
  note: string | null;
}

export const DEFAULT_LATE_ENTRY_MS = 5 * 60_000;

/** The moment after which an arrival is late. */
export const lateAfter = (session: { start: number }, lateEntryMs: number): number => session.start + lateEntryMs;

/** A decision, once taken, stands (a refusal before the deadline too: the witness knows the expert is replaced). */
export function admission(
  session: { start: number },
  at: number,
  lateEntryMs: number,
  decision: LateDecision | null,
): Admission {
  if (decision) return decision.approved ? 'approved' : 'refused';
  return at > lateAfter(session, lateEntryMs) ? 'held' : 'on-time';
}
