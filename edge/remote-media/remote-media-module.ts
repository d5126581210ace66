import WebSocket from 'ws';
import type { VenueContext } from '../context.ts';
import type { IntercomService } from '../intercom/intercom-service.ts';
import type { SessionService } from '../sessions/session-service.ts';
import { loadSyncConfig } from '../sync/config.ts';
import type { SyncService } from '../sync/sync-service.ts';
import { venueRequestHeaders } from '../sync/wire.ts';
import type { VideoService } from '../video/video-service.ts';
import { GuestMediaSupplier } from './guest-supplier.ts';
import { HostGuestCalls } from './host-call.ts';
import { type ConnectHub, HostGuestLive } from './host-viewing.ts';
import './link-messages.ts';

/** The guest room's live view and intercom across venues (远程异地评标): this venue as host and as guest. */
export interface RemoteMedia {
  /** This venue hosts: its witnesses watch guest rooms through the hub … */
  host: HostGuestLive;
  /** … and call their stations. */
  calls: HostGuestCalls;
  /** This venue is a guest: it supplies its rooms' substreams and station calls when the hub brings a grant. */
  guest: GuestMediaSupplier;
  stop(): void;
}

/**
 * Wires both sides to the city hub this venue syncs with (sync.json, http transport): the venue-signed relay
 * sockets go to that hub's address, and the hub's requests arrive over the edge↔hub link. Without a hub, a host
 * refuses to open guest rooms and no grant can arrive.
 */
export function startRemoteMedia(
  ctx: VenueContext,
  sessions: SessionService,
  video: VideoService,
  intercom: IntercomService,
  sync: SyncService,
): RemoteMedia {
  const config = loadSyncConfig(ctx.dataDir, ctx.keysDir);
  const base = config?.transport === 'http' && sync.link ? config.url.replace(/\/+$/, '').replace(/^http/, 'ws') : null;
  const venue = ctx.venue.id;
  const socketTo = (path: string) =>
    new WebSocket(`${base}${path}`, {
      headers: venueRequestHeaders(sync.key.privateKey, venue, 'GET', path),
      handshakeTimeout: 10_000,
    });
  const hubPath = `/v1/venues/${encodeURIComponent(venue)}/remote`;

  const connectHub: ConnectHub | null = base
    ? (kind, { session, guest, camera }) =>
        socketTo(
          `${hubPath}/${kind === 'remote-live' ? 'live' : 'call'}?${new URLSearchParams({ session, guest, ...(camera ? { camera } : {}) })}`,
        )
    : null;
  const host = new HostGuestLive({ sessions, connectHub });
  const calls = new HostGuestCalls({ sessions, connectHub, mediaHost: () => intercom.mediaHost });
  const guest = new GuestMediaSupplier({
    venue,
    platformKey: sync.platformKey,
    log: ctx.log,
    sessions,
    video,
    intercom,
    connectRelay: (relay) => socketTo(`${hubPath}/relays/${encodeURIComponent(relay)}`),
  });
  sync.link?.handle('media-supply', async ({ grant }) => {
    const answer = await guest.supply(grant);
    const relay = (grant as { grant?: { relay?: unknown } } | null)?.grant?.relay;
    // A refusal the hub can place goes back at once; one it cannot (no relay named) it times out.
    if (!answer.ok && typeof relay === 'string') sync.link?.send({ kind: 'media-refused', relay, error: answer.error });
  });
  return {
    host,
    calls,
    guest,
    stop: () => {
      calls.stop();
      guest.stop();
    },
  };
}
