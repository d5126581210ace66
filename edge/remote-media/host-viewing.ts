import type WebSocket from 'ws';
import { DomainError } from '../domain-error.ts';
import { type EvaluationSession, guestRoomsOf } from '../sessions/model.ts';
import type { LiveViewer } from '../video/live-hub.ts';
import type { RelayStart } from './relay-protocol.ts';

/** Opens the host's socket to the hub for a guest room's live view or a call to it, signed by this venue. */
export type ConnectHub = (kind: 'remote-live' | 'remote-call', target: GuestLiveTarget) => WebSocket;

/** What the host edge asks the hub for: a guest room's live view in one of the sessions it hosts. */
export interface GuestLiveTarget {
  session: string;
  /** The guest venue, whose room shows the session's experts seated there. */
  guest: string;
  /** A camera of the guest room; null: the room's first camera (the guest edge decides). */
  camera: string | null;
}

/**
 * The host-side rule: only a staff member of the session (its witness, supervisor, agent — a console account is
 * named by its staff id) watches or calls a guest room of it, and only a guest room the session hosted here names. The
 * guest venue checks again, against its own copy of the session, that this venue hosts it.
 */
export function mayWatchGuestRoom(
  session: Pick<EvaluationSession, 'staff' | 'remote'> | null,
  target: Pick<GuestLiveTarget, 'session' | 'guest'>,
  username: string,
): void {
  if (!session) throw new DomainError('not-found', `session: no session ${target.session}`);
  if (!guestRoomsOf(session.remote).some((g) => g.venue === target.guest))
    throw new DomainError('not-found', `venue: session ${target.session} has no guest room at ${target.guest}`);
  if (!session.staff.some((s) => s.id === username))
    throw new DomainError('forbidden', `session: ${username} is not on the staff of ${target.session}`);
}

/** The rule, with the hub: a host without a city hub reaches no guest room. */
export function mayReachGuestRoom(
  deps: { sessions: { get(id: string): EvaluationSession | null }; connectHub: ConnectHub | null },
  target: GuestLiveTarget,
  username: string,
): void {
  if (!deps.connectHub)
    throw new DomainError('conflict', 'city hub: this venue has no link to the city hub (sync.json, http transport)');
  mayWatchGuestRoom(deps.sessions.get(target.session), target, username);
}

/**
 * The host venue's side of a relayed live view: a WebSocket to the city hub (signed with the venue key) per
 * console viewer, whose messages — a header, the init segment, whole fragments — go on to the viewer; a viewer
 * that falls behind skips whole fragments, as the live hub's viewers do.
 */
export class HostGuestLive {
  constructor(
    private readonly deps: {
      sessions: { get(id: string): EvaluationSession | null };
      /** Opens a relay at the hub for this target, signed by this venue; null: no city hub is configured. */
      connectHub: ConnectHub | null;
    },
  ) {}

  /** Whether this console user may watch the target (throws a DomainError naming why not). */
  authorise(username: string, target: GuestLiveTarget): void {
    mayReachGuestRoom(this.deps, target, username);
  }

  /** Relays an authorised target to the viewer; returns the detach function. */
  relay(target: GuestLiveTarget, viewer: LiveViewer): () => void {
    const hub = this.deps.connectHub!('remote-live', target);
    let sawInit = false;
    hub.on('message', (data, isBinary) => {
      if (!isBinary) {
        viewer.start(JSON.parse(data.toString()) as RelayStart);
        sawInit = false; // a new stream (after a restart of the guest's) starts with its own init segment
        return;
      }
      const bytes = data as Buffer;
      if (!sawInit) {
        sawInit = true;
        viewer.send(bytes);
      } else if (viewer.ready()) viewer.send(bytes);
    });
    hub.on('unexpected-response', (_req, res) => {
      viewer.close(`city hub refused: HTTP ${res.statusCode}`);
      hub.terminate();
    });
    hub.on('error', (err) => viewer.close(`city hub unreachable: ${err.message}`));
    hub.on('close', (code, reason) => viewer.close(reason.length ? reason.toString() : `relay closed (${code})`));
    return () => hub.close(1000);
  }
}
