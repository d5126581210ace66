// Remote sessions (远程异地评标) over the edge↔hub link, both sides:
// - at the host venue: asks the hub for each guest room's events from its resume cursor whenever the link comes
//   up, keeps them in the guest view (guest-view.ts), opens a gap when it loses sight of a guest room (its own
//   link down, or the hub saying the guest venue is offline) and closes it — recorded as `remote.guest-gap` —
//   once the hub says it has caught up; asks the guest venues for their evidence parts;
// - at a guest venue: exports its part of a session's evidence when its host asks (and only its host).
// The guest venue's events reach the hub the ordinary way (the outbox, lingering 200 ms); the hub forwards them.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { VenueContext } from '../context.ts';
import { DomainError } from '../domain-error.ts';
import type { VenuePart } from '../evidence/remote-package.ts';
import { exportSessionEvidence } from '../evidence/session-export.ts';
import { type EvaluationSession, type GuestRoom, guestRoomsOf, LIVE_STATES } from '../sessions/model.ts';
import type { SessionService } from '../sessions/session-service.ts';
import type { CityLink } from '../sync/city-link.ts';
import type { HubToEdge } from '../sync/link-wire.ts';
import { type GuestRoomView, GuestView } from './guest-view.ts';

/** Evidence parts travel in chunks of this many bytes (before base64). */
const PART_CHUNK = 512 * 1024;

interface PendingPart {
  venue: string;
  chunks: Buffer[];
  resolve: (zip: Uint8Array) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface RemoteSessionView {
  session: string;
  transactionCode: string;
  room: string;
  state: string;
  guests: GuestRoomView[];
}

export class RemoteService extends EventEmitter<{ guest: [session: string, venue: string] }> {
  readonly view: GuestView;
  private readonly parts = new Map<string, PendingPart>();

  constructor(
    private readonly ctx: VenueContext,
    private readonly sessions: SessionService,
    private readonly link: CityLink | null,
    private readonly options: { evidenceTimeoutMs?: number } = {},
  ) {
    super();
    this.view = new GuestView(ctx.db);
  }

  start(): void {
    const link = this.link;
    if (!link) return;
    link.on('up', () => this.resumeAll());
    link.on('down', (at) => {
      for (const { session, guest } of this.hostedGuests()) this.view.interrupted(session.id, guest.venue, at);
      for (const id of [...this.parts.keys()]) this.failPart(id, 'the link to the hub dropped');
    });
    link.handle('guest-events', (m) => this.guestEvents(m));
    link.handle('guest-state', (m) => this.guestState(m));
    link.handle('evidence-request', (m) => this.exportPart(m));
    link.handle('evidence-part', (m) => this.partArrived(m));
    link.handle('error', (m) => {
      if (m.requestId) this.failPart(m.requestId, m.error);
      else this.ctx.logger.warn({ about: m.about, error: m.error }, 'remote: the hub refused a message');
    });
    // A remote session scheduled (or changed) while the link is up is followed at once.
    this.sessions.on('changed', (id, e) => {
      if (e.type === 'session.scheduled' || e.type === 'session.updated') this.resume(id);
    });
    if (link.isUp) this.resumeAll();
  }

  stop(): void {
    for (const id of [...this.parts.keys()]) this.failPart(id, 'the edge is stopping');
  }

  // ─── host side ─────────────────────────────────────────────────────────────

  /** Live sessions hosted here with their guest rooms. */
  private hostedGuests(): { session: EvaluationSession; guest: GuestRoom }[] {
    return LIVE_STATES.flatMap((state) => this.sessions.list({ state })).flatMap((session) =>
      guestRoomsOf(session.remote).map((guest) => ({ session, guest })),
    );
  }

  private resumeAll(): void {
    for (const { session, guest } of this.hostedGuests()) this.resumeGuest(session.id, guest.venue);
  }

  private resume(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session || !LIVE_STATES.includes(session.state)) return;
    for (const guest of guestRoomsOf(session.remote)) this.resumeGuest(session.id, guest.venue);
  }

  private resumeGuest(session: string, venue: string): void {
    this.link?.send({ kind: 'guest-resume', session, venue, afterSeq: this.view.cursor(session, venue) });
  }

  /** The guest room of a session hosted here, or null if the session has no such guest venue. */
  private guestRoom(sessionId: string, venue: string): GuestRoom | null {
    const session = this.sessions.get(sessionId);
    return guestRoomsOf(session?.remote ?? null).find((g) => g.venue === venue) ?? null;
  }

  private guestEvents(m: HubToEdge['guest-events']): void {
    if (!this.guestRoom(m.session, m.venue)) {
      this.ctx.logger.warn({ session: m.session, venue: m.venue }, 'remote: events of a guest room not hosted here');
      return;
    }
    if (this.view.receive(m.session, m.venue, m.events, Date.now())) this.emit('guest', m.session, m.venue);
  }

  private guestState(m: HubToEdge['guest-state']): void {
    const room = this.guestRoom(m.session, m.venue);
    if (!room) return;
    if (m.state === 'offline') {
      this.view.interrupted(m.session, m.venue, m.at);
    } else {
      this.view.advance(m.session, m.venue, m.seq);
      const gap = this.view.restored(m.session, m.venue, Date.now());
      if (gap)
        this.ctx.log.append({
          type: 'remote.guest-gap',
          session: m.session,
          actor: 'system',
          data: { venue: m.venue, room: room.room, from: gap.from, to: gap.to, caughtUp: gap.caughtUp },
        });
    }
    this.emit('guest', m.session, m.venue);
  }

  /** A session hosted here with what the host knows of each guest room. */
  remoteSession(sessionId: string): RemoteSessionView {
    const session = this.sessions.get(sessionId);
    if (!session) throw new DomainError('not-found', `session: no session ${sessionId}`);
    const guests = guestRoomsOf(session.remote);
    if (!guests.length) throw new DomainError('invalid', `session: ${sessionId} is not a remote session hosted here`);
    return {
      session: session.id,
      transactionCode: session.transactionCode,
      room: session.room,
      state: session.state,
      guests: guests.map((g) => this.view.room(session.id, g.venue, g.room)),
    };
  }

  /** Every live session hosted here with guest rooms. */
  hosted(): RemoteSessionView[] {
    const ids = new Set(this.hostedGuests().map((h) => h.session.id));
    return [...ids].map((id) => this.remoteSession(id));
  }

  /** Asks every guest venue of the session for its evidence part over the link. */
  requestEvidence(sessionId: string): Promise<VenuePart[]> {
    const guests = this.remoteSession(sessionId).guests;
    return Promise.all(
      guests.map(async (g) => ({
        venue: g.venue,
        role: 'guest' as const,
        zip: await this.requestPart(sessionId, g.venue),
      })),
    );
  }

  private requestPart(session: string, venue: string): Promise<Uint8Array> {
    const requestId = randomUUID();
    return new Promise<Uint8Array>((resolve, reject) => {
      const timeoutMs = this.options.evidenceTimeoutMs ?? 300_000;
      const timer = setTimeout(() => this.failPart(requestId, `no answer within ${timeoutMs} ms`), timeoutMs);
      this.parts.set(requestId, { venue, chunks: [], resolve, reject, timer });
      if (!this.link?.send({ kind: 'evidence-request', requestId, session, venue }))
        this.failPart(requestId, 'the link to the hub is down');
    });
  }

  private partArrived(m: HubToEdge['evidence-part']): void {
    const pending = this.parts.get(m.requestId);
    if (!pending) return;
    if (m.error) return this.failPart(m.requestId, m.error);
    if (m.index !== pending.chunks.length)
      return this.failPart(m.requestId, `chunk ${m.index} arrived where ${pending.chunks.length} was due`);
    pending.chunks.push(Buffer.from(m.data, 'base64'));
    if (!m.last) return;
    clearTimeout(pending.timer);
    this.parts.delete(m.requestId);
    pending.resolve(new Uint8Array(Buffer.concat(pending.chunks)));
  }

  private failPart(requestId: string, error: string): void {
    const pending = this.parts.get(requestId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.parts.delete(requestId);
    pending.reject(new DomainError('conflict', `evidence part of ${pending.venue}: ${error}`));
  }

  // ─── guest side ────────────────────────────────────────────────────────────

  /** The host asks for this venue's part: exported (and recorded) only for the session's own host venue. */
  private async exportPart(m: HubToEdge['evidence-request']): Promise<void> {
    const venue = this.ctx.venue.id;
    const answer = (fields: { index: number; last: boolean; data: string; error?: string }) =>
      this.link?.send({ kind: 'evidence-part', requestId: m.requestId, venue, ...fields }) ?? false;
    const session = this.sessions.get(m.session);
    const remote = session?.remote;
    if (!remote || !('hostVenue' in remote) || remote.hostVenue !== m.host) {
      answer({
        index: 0,
        last: true,
        data: '',
        error: `${venue} seats no guests of ${m.host} in session ${m.session}`,
      });
      return;
    }
    let zip: Uint8Array;
    try {
      ({ zip } = await exportSessionEvidence(this.ctx, m.session, `host:${m.host}`));
    } catch (err) {
      answer({ index: 0, last: true, data: '', error: (err as Error).message });
      return;
    }
    const count = Math.max(1, Math.ceil(zip.length / PART_CHUNK));
    for (let index = 0; index < count; index++) {
      const chunk = Buffer.from(zip.subarray(index * PART_CHUNK, (index + 1) * PART_CHUNK)).toString('base64');
      // The link dropped mid-way: the host's request fails with it and is asked again.
      if (!answer({ index, last: index === count - 1, data: chunk })) return;
    }
  }
}
