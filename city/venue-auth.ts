// The one check for requests only a venue may make (its downlink pull and other venue-only routes): signed by
// the venue's registered key over method, URL, time and body (edge/sync/wire.ts venueRequestManifest).
import type { FastifyRequest } from 'fastify';
import { venueRequestManifest, verifyBytes } from '../edge/sync/wire.ts';
import type { CityHub } from './hub.ts';

/** How far a signed request's time may be from the hub's clock (a replayed old request is refused). */
export const VENUE_REQUEST_WINDOW_MS = 5 * 60_000;

/** Why the request is not the venue's own, recent request, or null when it is. */
export async function verifyVenueRequest(
  hub: CityHub,
  venue: string,
  req: FastifyRequest,
  now = Date.now(),
): Promise<string | null> {
  const publicKey = await hub.publicKeyOf(venue);
  if (!publicKey) return `venue ${venue} is not registered`;
  const at = Number(req.headers['x-halledge-at']);
  if (!Number.isSafeInteger(at) || Math.abs(now - at) > VENUE_REQUEST_WINDOW_MS)
    return 'x-halledge-at: missing or not recent';
  const signature = req.headers['x-halledge-signature'];
  if (typeof signature !== 'string' || !signature) return 'x-halledge-signature: missing';
  const manifest = venueRequestManifest(venue, req.method, req.url, at, req.body);
  return verifyBytes(publicKey, manifest, signature) ? null : 'x-halledge-signature: not valid';
}
