// The edge's end of the edge↔hub link (edge/sync/link-wire.ts): a WebSocket the edge opens to the city hub and
// keeps open, reconnecting with backoff. Features register handlers for the kinds they receive (`on`) and send
// with `send`; while the link is down `send` says so and the feature decides (the remote-session view resumes
// from its cursor, for instance) — nothing is queued here.
import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { type EdgeMessage, type HubToEdge, LINK_PROTOCOL, LinkDispatch, linkPath, parseFrame } from './link-wire.ts';
import { jitteredBackoff } from './outbox.ts';
import { venueRequestHeaders } from './wire.ts';

export interface CityLinkOptions {
  /** The hub's base URL (http(s)://…), as for the batches; the link goes to its ws(s):// twin. */
  url: string;
  venue: string;
  privateKey: KeyObject;
  /** The downlink watermark at (re)connect: the hub pushes what comes after it. */
  downlinkAfter: () => number;
  /** The record's head at (re)connect (`hello`). */
  recordHead: () => number;
  retry: { baseMs: number; maxMs: number };
  /** No frame (nor pong) from the hub for this long: the link is taken as dead and reopened. Default 30 s. */
  idleMs?: number;
  logger: Logger;
}

export type LinkState = 'connecting' | 'up' | 'down' | 'stopped';

export interface CityLinkStatus {
  state: LinkState;
  /** Since when the link is in this state (ms since the epoch). */
  since: number;
  connects: number;
  lastError: string | null;
  /** Frames of kinds no handler takes, by kind. */
  unknownKinds: Record<string, number>;
}

export class CityLink extends EventEmitter<{ up: []; down: [at: number] }> {
  private readonly dispatch = new LinkDispatch<HubToEdge>();
  private socket: WebSocket | null = null;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private state: LinkState = 'down';
  private since = Date.now();
  private connects = 0;
  private lastError: string | null = null;

  constructor(private readonly options: CityLinkOptions) {
    super();
  }

  /** Handles one kind of hub message (one handler per kind; link-wire.ts says how to add a kind). */
  handle<K extends keyof HubToEdge & string>(kind: K, handler: (msg: HubToEdge[K]) => void | Promise<void>): void {
    this.dispatch.on(kind, handler);
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  /** Sends if the link is up; false if it is not (the caller resumes after `up`). */
  send(message: EdgeMessage): boolean {
    if (this.state !== 'up' || !this.socket) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  start(): void {
    if (this.state === 'stopped') return;
    this.connect();
  }

  private connect(): void {
    const { venue, privateKey } = this.options;
    const after = this.options.downlinkAfter();
    const url = new URL(`${this.options.url.replace(/\/+$/, '').replace(/^http/, 'ws')}${linkPath(venue, after)}`);
    this.setState('connecting');
    const socket = new WebSocket(url, {
      headers: venueRequestHeaders(privateKey, venue, 'GET', url.pathname + url.search),
      handshakeTimeout: 10_000,
    });
    this.socket = socket;
    socket.on('open', () => {
      this.failures = 0;
      this.connects++;
      this.lastError = null;
      this.setState('up');
      this.touch();
      socket.send(JSON.stringify({ kind: 'hello', protocol: LINK_PROTOCOL, recordHead: this.options.recordHead() }));
      this.emit('up');
    });
    socket.on('message', (data, binary) => {
      this.touch();
      if (binary) return;
      void this.receive(data.toString());
    });
    socket.on('pong', () => this.touch());
    socket.on('unexpected-response', (_req, res) => {
      this.lastError = `hub answered the link with HTTP ${res.statusCode}`;
      res.resume();
      socket.terminate();
    });
    socket.on('error', (err) => {
      this.lastError = err.message;
    });
    socket.on('close', () => this.closed(socket));
  }

  private async receive(text: string): Promise<void> {
    const parsed = parseFrame(text);
    if (!parsed.frame) {
      this.options.logger.warn({ error: parsed.error }, 'city link: frame refused');
      return;
    }
    const { frame } = parsed;
    try {
      await this.dispatch.dispatch(frame, undefined);
    } catch (err) {
      this.options.logger.warn({ kind: frame.kind, error: (err as Error).message }, 'city link: handler failed');
    }
  }

  /** Any frame or pong proves the link alive; silence past idleMs (after a ping) closes it. */
  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const idleMs = this.options.idleMs ?? 30_000;
    const socket = this.socket;
    this.idleTimer = setTimeout(() => {
      if (socket?.readyState !== WebSocket.OPEN) return;
      socket.ping();
      this.idleTimer = setTimeout(() => {
        this.lastError = `no answer from the hub for ${idleMs} ms`;
        socket.terminate();
      }, idleMs / 2);
      this.idleTimer.unref();
    }, idleMs / 2);
    this.idleTimer.unref();
  }

  private closed(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const wasUp = this.state === 'up';
    if (this.state === 'stopped') return;
    this.setState('down');
    if (wasUp) this.emit('down', this.since);
    const delay = jitteredBackoff(this.options.retry, this.failures++);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref();
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    this.since = Date.now();
  }

  status(): CityLinkStatus {
    return {
      state: this.state,
      since: this.since,
      connects: this.connects,
      lastError: this.lastError,
      unknownKinds: Object.fromEntries(this.dispatch.unknownKinds),
    };
  }

  /** Closes the link for good (edge shutdown). */
  async stop(): Promise<void> {
    this.setState('stopped');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1001, 'edge stopping');
      setTimeout(() => {
        socket.terminate();
        resolve();
      }, 2000).unref();
    });
  }
}
