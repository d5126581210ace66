/**
 * Which events of the record carry doubtful times. Every event's `at` comes from the host clock; the clock watch
 * records when the clock turns suspect (`clock.checked` with verdict `drift` or `unsynchronised`, `clock.jumped`)
 * and when it is good again (`clock.checked` verdict `ok`, or a witness resolving the clock-drift alarm a jump
 * raised). Read in sequence order, those events mark spans of the record: an event inside one keeps its order
 * (the sequence number and the hash chain do not depend on the clock) but its time is doubtful.
 */
export interface ClockDoubtSpan {
  /** The event that made the clock suspect: events from here on have doubtful times… */
  fromSeq: number;
  /** …up to and including this one; null while the clock is still suspect. */
  toSeq: number | null;
  reason: 'drift' | 'unsynchronised' | 'jumped';
  /** A jump's size in ms (positive: forwards), or the drift's offset. */
  byMs?: number;
}

/** The events that mark the spans (their type and data as recorded). */
export interface ClockEvent {
  seq: number;
  type: string;
  subject: string | null;
  data: Record<string, unknown>;
}

/** Types the spans are read from; a caller loads these (any order) and passes them in. */
export const CLOCK_EVENT_TYPES = ['clock.checked', 'clock.jumped', 'alarm.resolved'] as const;

const HOST_CLOCK = 'host-clock';

export function clockDoubtSpans(events: ClockEvent[]): ClockDoubtSpan[] {
  const spans: ClockDoubtSpan[] = [];
  let open: ClockDoubtSpan | null = null;
  const close = (seq: number) => {
    if (open) open.toSeq = seq - 1;
    open = null;
  };
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    if (e.type === 'clock.checked') {
      const verdict = e.data.verdict;
      if (verdict === 'ok') close(e.seq);
      else if ((verdict === 'drift' || verdict === 'unsynchronised') && !open) {
        const offset = typeof e.data.offsetMs === 'number' ? { byMs: e.data.offsetMs } : {};
        open = { fromSeq: e.seq, toSeq: null, reason: verdict, ...offset };
        spans.push(open);
      }
    } else if (e.type === 'clock.jumped') {
      // A jump starts its own span even inside another: the size of the step is what an auditor needs.
      close(e.seq);
      const byMs = typeof e.data.byMs === 'number' ? { byMs: e.data.byMs } : {};
      open = { fromSeq: e.seq, toSeq: null, reason: 'jumped', ...byMs };
      spans.push(open);
    } else if (
      e.type === 'alarm.resolved' &&
      e.subject === HOST_CLOCK &&
      (open as ClockDoubtSpan | null)?.reason === 'jumped'
    ) {
      close(e.seq); // a witness looked at the clock and resolved the jump's alarm: good again from here
    }
  }
  return spans;
}

/** The span that makes this event's time doubtful, if any. */
export function clockDoubtAt(spans: ClockDoubtSpan[], seq: number): ClockDoubtSpan | null {
  return spans.find((s) => seq >= s.fromSeq && (s.toSeq === null || seq <= s.toSeq)) ?? null;
}
