// Tests' way to make what a venue uploads: events as the edge records them, passed through the edge's own
// projection (toUpstream), so the views are tested on exactly what arrives — or, with `raw`, on whatever a
// careless or hostile venue might send instead.
import { toUpstream } from '../../edge/sync/upstream-projection.ts';
import { bodyDigest, type UpstreamEvent } from '../../edge/sync/wire.ts';

export interface Recorded {
  type: string;
  at: number;
  session?: string | null;
  subject?: string | null;
  actor?: string | null;
  method?: string | null;
  data?: Record<string, unknown>;
}

const hex = (n: number) => n.toString(16).padStart(64, '0');

/** A venue's record as uploaded, seqs from `firstSeq`, projected as the edge projects it. */
export function uploaded(venue: string, events: Recorded[], firstSeq = 1): UpstreamEvent[] {
  return events.map((e, i) =>
    toUpstream(
      {
        seq: firstSeq + i,
        venue,
        at: e.at,
        type: e.type,
        session: e.session ?? null,
        subject: e.subject ?? null,
        actor: e.actor ?? null,
        method: e.method ?? null,
        data: e.data ?? {},
        prevHash: hex(firstSeq + i - 1),
        hash: hex(firstSeq + i),
      },
      (id) => `P-${id.length}`,
    ),
  );
}

/** An upload exactly as given, bypassing the venue's projection (a venue that sends what it must not). */
export function raw(seq: number, e: Recorded & { body: Record<string, unknown> | null }): UpstreamEvent {
  const view = {
    at: e.at,
    type: e.type,
    session: e.session ?? null,
    subject: e.subject ?? null,
    actor: e.actor ?? null,
    method: e.method ?? null,
    body: e.body,
  };
  return { seq, prevHash: hex(seq - 1), hash: hex(seq), ...view, bodyDigest: bodyDigest(view) };
}
