// What travels on each hop of a guest room's relayed live view (guest edge → city hub → host edge → console page),
// shared by the edges and the hub: one JSON text message first, then binary messages, each one whole MP4 unit —
// the init segment first, then one fragment per message (fragment-framer.ts).
import type { LiveInfo } from '../video/live-hub.ts';

/** The first message on every hop: the live view's header and the guest camera it shows. */
export type RelayStart = LiveInfo & { camera: string };

/**
 * Past this much unsent on a hop, a fragment is skipped rather than queued: the viewer stays near live and what it
 * gets still decodes (every fragment starts with a keyframe). A relayed substream is some 50 KB/s, so this is
 * seconds of video; the console player jumps forward past a gap.
 */
export const RELAY_MAX_BUFFERED = 512 * 1024;

/** The sending side of a hop: a WebSocket (ws or @fastify/websocket). */
export interface RelayHop {
  readonly bufferedAmount: number;
  send(data: Buffer | string): void;
}

/**
 * Passes one unit on; the init segment always, a fragment only while the hop keeps up. Returns whether it was
 * sent, for the counts of what a slow link skipped.
 */
export function relayUnit(hop: RelayHop, bytes: Buffer, init: boolean): boolean {
  if (!init && hop.bufferedAmount >= RELAY_MAX_BUFFERED) return false;
  hop.send(bytes);
  return true;
}
