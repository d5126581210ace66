// Remote sessions (远程异地评标) at the hub: the guest venues' uploaded events of a session — those naming it, and
// those of its guest room in its scheduled time (alarms there, its devices' health: guest-room-rule.ts) —
// forwarded to the host venue's edge over its link as they are committed, from the host's resume cursor after a drop; the guest
// venue's state (offline, or live: its uploads reached the record head it announced on connecting); and the
// evidence parts the host asks the guest venues for. Only stored events travel — the venues' redacted upstream
// views, which never hold names, faces or tracks.
import { type GuestRoom, parseWhen } from '../../edge/sessions/model.ts';
import type { EdgeToHub, GuestEvent } from '../../edge/sync/link-wire.ts';
import { concernsGuestRoom, type GuestRoomScope } from './guest-room-rule.ts';
import type { LinkHub, LinkPeer } from './link-hub.ts';

/** What the relay reads of the hub's store. */
export interface RelaySource {
  events(venue: string, fromSeq: number, toSeq: number): Promise<GuestEvent[]>;
  head(venue: string): Promise<{ seq: number }>;
}

/** A remote session as scheduled: its host venue and room, and its guest rooms. */
export interface RemoteSessionRecord {
  id: string;
  host: string;
  hostRoom: string;
  guests: GuestRoom[];
  /** The scheduled time (ms): the guest rooms' events without the session are forwarded from within it. */
  start: number;
  end: number;
}

/** The ids of a venue's room and what is in it (zones, doors, devices, cameras); empty if the hub does not know it. */
export type RoomPlaces = (venue: string, room: string) => ReadonlySet<string>;

/** How much of a guest venue's stored events one replay step reads. */
const PAGE = 2000;

interface VenueState {
  online: boolean;
  since: number;
  /** The record head the venue announced when its link opened; its uploads reaching it make it live. */
  announcedHead: number;
  uploadedHead: number;
  live: boolean;
}

/** One host following one guest venue of one session. */
interface Follow {
  session: string;
  venue: string;
  host: string;
  /** Which of the guest venue's events are the session's (guest-room-rule.ts). */
  scope: GuestRoomScope;
  /** The guest venue's seq up to which the host has been sent every event of the session. */
  sentSeq: number;
  /** False while the host's resume is being replayed; live events wait for it. */
  resumed: boolean;
  /** Events were committed while the replay ran: read again before going live. */
  pending: boolean;
}

export class GuestRelay {
  private readonly sessions = new Map<string, RemoteSessionRecord>();
  private readonly venues = new Map<string, VenueState>();
  private readonly follows = new Map<string, Follow>();
  /** Evidence requests on their way: request id → who asked whom. */
  private readonly evidence = new Map<string, { host: string; guest: string }>();

  constructor(
    private readonly source: RelaySource,
    private readonly links: LinkHub,
    private readonly places: RoomPlaces,
    private readonly now: () => number = Date.now,
  ) {
    links.handle('hello', (m, peer) => this.hello(m, peer));
    links.handle('guest-resume', (m, peer) => this.resume(m, peer));
    links.handle('evidence-request', (m, peer) => this.evidenceRequest(m, peer));
    links.handle('evidence-part', (m, peer) => this.evidencePart(m, peer));
    links.on('closed', (venue, at) => this.closed(venue, at));
  }

  /** Takes note of the remote sessions in a schedule signed for `venue` (the host lists its guest rooms). */
  noteSchedule(venue: string, payload: unknown): void {
    const sessions = (payload as { sessions?: unknown } | null)?.sessions;
    if (!Array.isArray(sessions)) return;
    type Scheduled = {
      id?: unknown;
      room?: unknown;
      start?: unknown;
      end?: unknown;
      remote?: { guests?: GuestRoom[] };
    };
    for (const s of sessions as Scheduled[]) {
      if (typeof s?.id !== 'string' || typeof s.room !== 'string' || !Array.isArray(s.remote?.guests)) continue;
      const when = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? parseWhen(v) : null);
      const start = when(s.start);
      const end = when(s.end);
      // The hub signed this schedule from a validated input; a time it cannot read only narrows the forwarding.
      this.sessions.set(s.id, {
        id: s.id,
        host: venue,
        hostRoom: s.room,
        guests: s.remote.guests,
        start: start ?? 0,
        end: start === null ? 0 : (end ?? 0),
      });
    }
  }

  session(id: string): RemoteSessionRecord | null {
    return this.sessions.get(id) ?? null;
  }

  private venue(venue: string): VenueState {
    let state = this.venues.get(venue);
    if (!state) {
      state = { online: false, since: this.now(), announcedHead: 0, uploadedHead: 0, live: false };
      this.venues.set(venue, state);
    }
    return state;
  }

  private async hello(m: EdgeToHub['hello'], peer: LinkPeer): Promise<void> {
    const v = this.venue(peer.venue);
    v.online = true;
    v.live = false;
    v.since = peer.connectedAt;
    v.announcedHead = m.recordHead;
    v.uploadedHead = Math.max(v.uploadedHead, (await this.source.head(peer.venue)).seq);
    this.checkLive(peer.venue);
  }

  private closed(venue: string, at: number): void {
    const v = this.venue(venue);
    v.online = false;
    v.live = false;
    v.since = at;
    for (const [key, f] of this.follows) {
      // The host went: it resumes from its own cursor when it is back.
      if (f.host === venue) this.follows.delete(key);
      else if (f.venue === venue && f.resumed)
        this.links.send(f.host, {
          kind: 'guest-state',
          session: f.session,
          venue,
          state: 'offline',
          at,
          seq: f.sentSeq,
        });
    }
  }

  /** A batch of a venue was committed (CityHub `accepted`): forward the sessions' events to their hosts. */
  accepted(venue: string, events: GuestEvent[]): void {
    const last = events.at(-1);
    if (!last) return;
    const v = this.venue(venue);
    v.uploadedHead = Math.max(v.uploadedHead, last.seq);
    for (const f of this.follows.values()) {
      if (f.venue !== venue) continue;
      if (!f.resumed) {
        f.pending = true;
        continue;
      }
      this.forward(f, events);
    }
    this.checkLive(venue);
  }

  private forward(f: Follow, events: GuestEvent[]): void {
    const fresh = events.filter((e) => e.seq > f.sentSeq && concernsGuestRoom(e, f.scope)).map(asUploaded);
    if (fresh.length)
      this.links.send(f.host, { kind: 'guest-events', session: f.session, venue: f.venue, events: fresh });
    f.sentSeq = Math.max(f.sentSeq, events.at(-1)?.seq ?? 0);
  }

  private checkLive(venue: string): void {
    const v = this.venue(venue);
    if (!v.online || v.live || v.uploadedHead < v.announcedHead) return;
    v.live = true;
    for (const f of this.follows.values()) if (f.venue === venue && f.resumed) this.sendLive(f);
  }

  private sendLive(f: Follow): void {
    const v = this.venue(f.venue);
    f.sentSeq = Math.max(f.sentSeq, v.uploadedHead);
    this.links.send(f.host, {
      kind: 'guest-state',
      session: f.session,
      venue: f.venue,
      state: 'live',
      at: this.now(),
      seq: f.sentSeq,
    });
  }

  /** The host follows a guest room from its cursor: everything stored after it, then live. */
  private async resume(m: EdgeToHub['guest-resume'], peer: LinkPeer): Promise<void> {
    const record = this.sessions.get(m.session);
    if (!record || record.host !== peer.venue)
      throw new Error(`guest-resume /session: ${m.session} is no remote session hosted by ${peer.venue}`);
    const guest = record.guests.find((g) => g.venue === m.venue);
    if (!guest) throw new Error(`guest-resume /venue: ${m.venue} is no guest venue of ${m.session}`);
    if (!Number.isSafeInteger(m.afterSeq) || m.afterSeq < 0)
      throw new Error('guest-resume /afterSeq: must be a whole number ≥ 0');
    const key = `${m.session}\n${m.venue}`;
    const f: Follow = {
      session: m.session,
      venue: m.venue,
      host: peer.venue,
      scope: { session: m.session, start: record.start, end: record.end, places: this.places(m.venue, guest.room) },
      sentSeq: m.afterSeq,
      resumed: false,
      pending: false,
    };
    this.follows.set(key, f);
    do {
      f.pending = false;
      const head = (await this.source.head(m.venue)).seq;
      while (f.sentSeq < head && this.follows.get(key) === f) {
        const to = Math.min(head, f.sentSeq + PAGE);
        const events = await this.source.events(m.venue, f.sentSeq + 1, to);
        this.forward(f, events);
        f.sentSeq = to;
      }
    } while (f.pending && this.follows.get(key) === f);
    if (this.follows.get(key) !== f) return; // the host dropped or resumed again meanwhile
    f.resumed = true;
    const v = this.venue(m.venue);
    if (v.live) this.sendLive(f);
    else if (!v.online)
      peer.send({
        kind: 'guest-state',
        session: m.session,
        venue: m.venue,
        state: 'offline',
        at: v.since,
        seq: f.sentSeq,
      });
  }

  private evidenceRequest(m: EdgeToHub['evidence-request'], peer: LinkPeer): void {
    const record = this.sessions.get(m.session);
    if (!record || record.host !== peer.venue || !record.guests.some((g) => g.venue === m.venue))
      throw new Error(
        `evidence-request: ${m.venue} is no guest venue of a session ${m.session} hosted by ${peer.venue}`,
      );
    this.evidence.set(m.requestId, { host: peer.venue, guest: m.venue });
    const asked = this.links.send(m.venue, {
      kind: 'evidence-request',
      requestId: m.requestId,
      session: m.session,
      host: peer.venue,
    });
    if (!asked) {
      this.evidence.delete(m.requestId);
      throw new Error(`${m.venue} has no link to the hub now`);
    }
  }

  private evidencePart(m: EdgeToHub['evidence-part'], peer: LinkPeer): void {
    const request = this.evidence.get(m.requestId);
    // Only the venue asked answers, and its part is marked as its own whatever it claims.
    if (!request || request.guest !== peer.venue) return;
    if (m.last || m.error) this.evidence.delete(m.requestId);
    this.links.send(request.host, { ...m, venue: peer.venue });
  }

  /** Remote sessions known and each venue's link state, for operators. */
  status() {
    return {
      sessions: [...this.sessions.values()],
      venues: Object.fromEntries(this.venues),
      follows: [...this.follows.values()].map(({ session, venue, host, sentSeq, resumed }) => ({
        session,
        venue,
        host,
        sentSeq,
        resumed,
      })),
    };
  }
}

/** The event as the venue uploaded it (what the hub stored beside it, such as its batch, stays at the hub). */
function asUploaded(stored: GuestEvent): GuestEvent {
  const { batch: _batch, ...uploaded } = stored as GuestEvent & { batch?: number };
  return uploaded;
}
