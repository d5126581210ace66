// The kinds the guest room's live view adds to the edge↔hub link (edge/sync/link-wire.ts says how).
declare module '../sync/link-wire.ts' {
  interface HubToEdge {
    /** The hub asks the guest venue to supply a live stream: a grant it signed (live-grant.ts), checked here. */
    'live-supply': { kind: 'live-supply'; grant: unknown };
  }
  interface EdgeToHub {
    /** The guest venue will not supply it; the hub ends the relay and tells the host why. */
    'live-refused': { kind: 'live-refused'; relay: string; error: string };
  }
}

export {};
