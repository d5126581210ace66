// The edge↔hub link: one persistent WebSocket from each venue's edge to the city hub, opened by the edge (a venue
// never needs to be reachable from the city), signed by the venue key like the downlink pull. Shared by the edge
// (edge/sync/city-link.ts) and the hub (city/remote/), so no domain code here: message shapes and the signature.
//
// Messages are JSON text frames `{ kind, ...fields }`. The kinds each side sends are the keys of
// `EdgeToHub` and `HubToEdge` below. To add a kind (another feature: live streams, intercom, …), extend these
// interfaces from the feature's own file by declaration merging, and register a handler on the receiving side —
// at the edge `services.sync.link.handle(kind, …)` (CityLink), at the hub `app.cityLinks.handle(kind, …)` (LinkHub,
// decorated by city/remote/routes.ts for the hub plugins listed after it; `app.remoteSessions.session(id)` says
// which venue hosts a remote session and its guest rooms):
//
//   declare module '../sync/link-wire.ts' {
//     interface HubToEdge { 'stream-supply': { kind: 'stream-supply'; camera: string; … } }
//   }
//
// A receiver that does not know a kind ignores it (counted in its status): an older edge keeps working with a
// newer hub. Nothing that may not go up (names, faces, tracks) travels here either: the guest events are the
// venues' redacted upstream views (edge/sync/upstream-projection.ts).
import type { UpstreamEvent } from './wire.ts';

export const LINK_PROTOCOL = 'halledge-link/1';

/**
 * Where the edge connects: `{hub}/v1/venues/{venue}/link?after=N`, N being the edge's downlink watermark (the hub
 * pushes every downlink message after it at once). The upgrade request is signed as every venue-only request
 * (`venueRequestHeaders`, GET over its path and query; checked by the hub's verifyVenueRequest).
 */
export const linkPath = (venue: string, after: number) => `/v1/venues/${encodeURIComponent(venue)}/link?after=${after}`;

/** A guest venue's redacted event as forwarded to the host: what the hub stored, with when the hub took it. */
export type GuestEvent = UpstreamEvent;

/** Messages from an edge to the hub. */
export interface EdgeToHub {
  /** First message after the socket opens: the edge's record head, so the hub knows when its uploads caught up. */
  hello: { kind: 'hello'; protocol: typeof LINK_PROTOCOL; recordHead: number };
  /** The host asks for the guest venue's events of a session after `afterSeq` (its resume cursor), then live. */
  'guest-resume': { kind: 'guest-resume'; session: string; venue: string; afterSeq: number };
  /** The host asks a guest venue for its part of the session's evidence package. */
  'evidence-request': { kind: 'evidence-request'; requestId: string; session: string; venue: string };
  /** A guest venue's answer, in chunks (base64 of the part's zip); `error` instead when it cannot export. */
  'evidence-part': EvidencePart;
}

/** Messages from the hub to an edge. */
export interface HubToEdge {
  /** A signed downlink message (edge/sync/downlink.ts checks it as any other). */
  downlink: { kind: 'downlink'; envelope: unknown };
  /** A guest venue's events of a remote session hosted here (and its guest room's in the session's time), in seq order. */
  'guest-events': { kind: 'guest-events'; session: string; venue: string; events: GuestEvent[] };
  /**
   * The guest venue's state as the hub sees it: `offline` (its link dropped at `at`), or `live`: its link is up,
   * its uploads reached the record head it announced, and this host has every event of the session up to `seq`.
   */
  'guest-state': {
    kind: 'guest-state';
    session: string;
    venue: string;
    state: 'offline' | 'live';
    at: number;
    seq: number;
  };
  /** Forwarded from the host: export your part of this session's evidence. */
  'evidence-request': { kind: 'evidence-request'; requestId: string; session: string; host: string };
  /** Forwarded from the guest venue (its `venue` set by the hub). */
  'evidence-part': EvidencePart;
  /** The hub could not act on a message (unknown session, venue offline, …). */
  error: { kind: 'error'; about: string; requestId?: string; error: string };
}

export interface EvidencePart {
  kind: 'evidence-part';
  requestId: string;
  /** The venue whose part this is (the hub sets it from the authenticated link). */
  venue: string;
  index: number;
  last: boolean;
  data: string;
  error?: string;
}

export type EdgeMessage = EdgeToHub[keyof EdgeToHub];
export type HubMessage = HubToEdge[keyof HubToEdge];

/** A parsed frame: an object with a string `kind`, or why it is not one. */
export function parseFrame(
  text: string,
): { frame: { kind: string; [field: string]: unknown } } | { frame: null; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { frame: null, error: 'frame: not JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return { frame: null, error: 'frame: not an object' };
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !kind) return { frame: null, error: 'frame /kind: missing' };
  return { frame: value as { kind: string } };
}

/**
 * Handlers by message kind, for either side. `on` adds one per kind (a second replaces the first: one owner per
 * kind); `dispatch` hands a parsed frame to it and says whether anyone took it.
 */
export class LinkDispatch<In extends object, Ctx = void> {
  private readonly handlers = new Map<string, (msg: never, ctx: Ctx) => void | Promise<void>>();
  /** Frames of kinds nobody handles, by kind (a newer peer's messages). */
  readonly unknownKinds = new Map<string, number>();

  on<K extends keyof In & string>(kind: K, handler: (msg: In[K], ctx: Ctx) => void | Promise<void>): void {
    this.handlers.set(kind, handler as (msg: never, ctx: Ctx) => void);
  }

  async dispatch(msg: { kind: string }, ctx: Ctx): Promise<boolean> {
    const handler = this.handlers.get(msg.kind);
    if (!handler) {
      this.unknownKinds.set(msg.kind, (this.unknownKinds.get(msg.kind) ?? 0) + 1);
      return false;
    }
    await handler(msg as never, ctx);
    return true;
  }
}
