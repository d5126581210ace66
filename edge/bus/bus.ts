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
 * The edge's side of the MQTT bus, whichever broker carries it. A device's message is handled inside a group
 * commit (edge/bus/group-commit.ts) and acknowledged to the publisher only after it committed, so a fact recorded
 * by a handler (synchronously) is never lost to a crash or a broker restart once the device holds its PUBACK.
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
