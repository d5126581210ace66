import type { EventEmitter } from 'node:events';

export interface BusMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

/** A connection refused or a message dropped by the broker's authentication or ACL. */
export interface BusDenial {
  username: string | null;
  topic: string | null;
  reason: string;
}

/**
 * The edge's side of the MQTT bus, whichever broker carries it. Handlers run synchronously before the
 * message is acknowledged to the publisher, so a fact recorded by a handler is never lost to a broker restart.
 */
export interface Bus extends EventEmitter<{ denied: [BusDenial]; connection: [boolean] }> {
  /** The MQTT URL devices connect to (tcp), and the WebSocket one when there is one. */
  readonly deviceUrl: string;
  readonly deviceWsUrl: string | null;
  /** MQTT over TLS and over secure WebSocket (embedded broker), null when off. */
  readonly deviceTlsUrl: string | null;
  readonly deviceWssUrl: string | null;
  subscribe(filter: string, handler: (message: BusMessage) => void): Promise<void>;
  publish(topic: string, payload: string | Buffer, options?: { retain?: boolean }): Promise<void>;
  readonly connected: boolean;
  close(): Promise<void>;
}
