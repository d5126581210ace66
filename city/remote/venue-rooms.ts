// The rooms of the venues as the hub's own copy of their topology files says (config/venues, the files the venues
// run on and the city console reads names from): what the guest relay needs to tell a guest room's events.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Venue } from '../../config/schema.ts';
import { loadVenue, VENUES_DIR } from '../../config/venue-loader.ts';
import type { RoomPlaces } from './guest-relay.ts';
import { roomPlaces } from './guest-room-rule.ts';

/** Reads `{dir}/{venue}.yaml` once per venue; a venue without a file has no known places (only its session's events go). */
export function topologyRoomPlaces(dir = VENUES_DIR): RoomPlaces {
  const venues = new Map<string, Venue | null>();
  return (venue, room) => {
    if (!venues.has(venue)) {
      const file = join(dir, `${venue}.yaml`);
      venues.set(venue, existsSync(file) ? loadVenue(file) : null);
    }
    const topology = venues.get(venue);
    return topology ? roomPlaces(topology, room) : new Set();
  };
}
