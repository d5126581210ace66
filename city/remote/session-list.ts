// The remote sessions the hub scheduled, as the city console lists them: read back from the hosts' signed
// downlink schedules (the hub's store, so every hub process behind a load balancer lists the same), with each
// venue's link state.
import type { DownlinkEnvelope } from '../../edge/sync/wire.ts';
import type { RemoteSessionListed } from '../views/types.ts';

type HostSide = {
  id?: unknown;
  room?: unknown;
  transactionCode?: unknown;
  project?: { code?: unknown };
  start?: unknown;
  end?: unknown;
  remote?: { guests?: { venue: string; room: string }[] };
};

const text = (v: unknown) => (typeof v === 'string' ? v : null);
const when = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? v : null);

/** Newest first; a session scheduled again (same id) is listed once, as last scheduled. */
export function remoteSessionList(
  hostEnvelopes: readonly DownlinkEnvelope[],
  linked: (venue: string) => boolean,
): RemoteSessionListed[] {
  const byId = new Map<string, RemoteSessionListed>();
  for (const envelope of [...hostEnvelopes].sort((a, b) => a.issuedAt - b.issuedAt)) {
    const sessions = (envelope.payload as { sessions?: unknown } | null)?.sessions;
    if (!Array.isArray(sessions)) continue;
    for (const s of sessions as HostSide[]) {
      if (typeof s?.id !== 'string' || typeof s.room !== 'string' || !Array.isArray(s.remote?.guests)) continue;
      byId.delete(s.id);
      byId.set(s.id, {
        id: s.id,
        transactionCode: text(s.transactionCode),
        projectCode: text(s.project?.code),
        start: when(s.start),
        end: when(s.end),
        host: { venue: envelope.venue, room: s.room, linked: linked(envelope.venue) },
        guests: s.remote.guests.map((g) => ({ venue: g.venue, room: g.room, linked: linked(g.venue) })),
        scheduledAt: envelope.issuedAt,
      });
    }
  }
  return [...byId.values()].reverse();
}
