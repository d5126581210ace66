// The kinds the guest room's live view and intercom calls add to the edge↔hub link (edge/sync/link-wire.ts says how).
declare module '../sync/link-wire.ts' {
  interface HubToEdge {
    /** The hub asks the guest venue for a room's live stream or a call: a grant it signed (media-grant.ts). */
    'media-supply': { kind: 'media-supply'; grant: unknown };
  }
  interface EdgeToHub {
    /** The guest venue will not supply it; the hub ends the relay and tells the host why. */
    'media-refused': { kind: 'media-refused'; relay: string; error: string };
  }
}

export {};
