import type WebSocket from 'ws';
import { DomainError } from '../domain-error.ts';
import type { EvaluationSession } from '../sessions/model.ts';
import type { LiveViewer } from '../video/live-hub.ts';
import type { RelayStart } from './relay-protocol.ts';

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
 * named by its staff id) watches a guest room of it, and only of a session hosted here. The guest venue checks
 * again, against its own copy of the session, that this venue hosts it.
 */
export function mayWatchGuestRoom(
  session: Pick<EvaluationSession, 'id' | 'staff' | 'remote'> | null,
  sessionId: string,
  username: string,
): void {
  if (!session) throw new DomainError('not-found', `session: no session ${sessionId}`);
  if (session.remote)
    throw new DomainError(
      'conflict',
      `session: ${sessionId} is hosted by ${session.remote.hostVenue}; its guest rooms are watched from there`,
    );
  if (!session.staff.some((s) => s.id === username))
    throw new DomainError('forbidden', `session: ${username} is not on the staff of ${sessionId}`);
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
      /** Opens the relay at the hub for this target, signed by this venue. */
      connectHub(target: GuestLiveTarget): WebSocket;
    },
  ) {}

  /** Checks who asks (throws a DomainError), then relays; returns the detach function. */
  watch(username: string, target: GuestLiveTarget, viewer: LiveViewer): () => void {
    mayWatchGuestRoom(this.deps.sessions.get(target.session), target.session, username);
    const hub = this.deps.connectHub(target);
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
