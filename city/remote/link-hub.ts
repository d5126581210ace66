// The hub's end of the edge↔hub link (edge/sync/link-wire.ts): one authenticated WebSocket per venue, opened by
// the venue. Features register handlers per message kind (`handle`), and send to a venue by id (`send`); a
// venue connecting again replaces its older socket. Frames of kinds nobody handles are counted and dropped.
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { type EdgeToHub, type HubMessage, LinkDispatch, parseFrame } from '../../edge/sync/link-wire.ts';

/** A connected venue as handlers see it: who sent the message, and how to answer. */
export interface LinkPeer {
  venue: string;
  connectedAt: number;
  send(message: HubMessage): boolean;
}

export class LinkHub extends EventEmitter<{ connected: [peer: LinkPeer]; closed: [venue: string, at: number] }> {
  private readonly dispatch = new LinkDispatch<EdgeToHub, LinkPeer>();
  private readonly peers = new Map<string, { peer: LinkPeer; socket: WebSocket }>();
  /** Idle sockets are pinged; one that missed the previous ping is closed. */
  private readonly heartbeat: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();

  constructor(
    private readonly logger: { warn(obj: object, msg: string): void },
    heartbeatMs = 15_000,
  ) {
    super();
    this.heartbeat = setInterval(() => {
      for (const { socket } of this.peers.values()) {
        if (!this.alive.has(socket)) {
          socket.terminate();
          continue;
        }
        this.alive.delete(socket);
        socket.ping();
      }
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  /** Handles one kind of edge message (one handler per kind; link-wire.ts says how to add a kind). */
  handle<K extends keyof EdgeToHub & string>(
    kind: K,
    handler: (msg: EdgeToHub[K], from: LinkPeer) => void | Promise<void>,
  ): void {
    this.dispatch.on(kind, handler);
  }

  /** Takes over an authenticated venue's socket. */
  attach(venue: string, socket: WebSocket): LinkPeer {
    const previous = this.peers.get(venue);
    const peer: LinkPeer = {
      venue,
      connectedAt: Date.now(),
      send: (message) => {
        if (this.peers.get(venue)?.socket !== socket || socket.readyState !== socket.OPEN) return false;
        socket.send(JSON.stringify(message));
        return true;
      },
    };
    this.peers.set(venue, { peer, socket });
    // A venue reconnecting before its old socket timed out: the new one is the venue's link now.
    previous?.socket.terminate();
    this.alive.add(socket);
    socket.on('pong', () => this.alive.add(socket));
    socket.on('message', (data, binary) => {
      this.alive.add(socket);
      if (binary) return;
      void this.receive(peer, data.toString());
    });
    socket.on('close', () => {
      if (this.peers.get(venue)?.socket !== socket) return;
      this.peers.delete(venue);
      this.emit('closed', venue, Date.now());
    });
    this.emit('connected', peer);
    return peer;
  }

  private async receive(peer: LinkPeer, text: string): Promise<void> {
    const parsed = parseFrame(text);
    if (!parsed.frame) {
      peer.send({ kind: 'error', about: 'frame', error: parsed.error });
      return;
    }
    const { frame } = parsed;
    try {
      await this.dispatch.dispatch(frame, peer);
    } catch (err) {
      this.logger.warn({ venue: peer.venue, kind: frame.kind, error: (err as Error).message }, 'link: handler failed');
      const requestId = frame.requestId;
      const about = typeof requestId === 'string' ? { requestId } : {};
      peer.send({ kind: 'error', about: frame.kind, ...about, error: (err as Error).message });
    }
  }

  send(venue: string, message: HubMessage): boolean {
    return this.peers.get(venue)?.peer.send(message) ?? false;
  }

  isConnected(venue: string): boolean {
    return this.peers.has(venue);
  }

  /** Venues with a link now, and kinds received that nobody handles. */
  status(): { venues: { venue: string; connectedAt: number }[]; unknownKinds: Record<string, number> } {
    return {
      venues: [...this.peers.values()].map(({ peer }) => ({ venue: peer.venue, connectedAt: peer.connectedAt })),
      unknownKinds: Object.fromEntries(this.dispatch.unknownKinds),
    };
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const { socket } of this.peers.values()) socket.close(1001, 'hub stopping');
    this.peers.clear();
  }
}
