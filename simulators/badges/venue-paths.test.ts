import { describe, expect, it } from 'vitest';
import { ZoneIndex } from '../../config/geometry.ts';
import type { Point } from '../../config/schema.ts';
import { JINCHENG_VENUES, loadVenue, venueFile } from '../../config/venue-loader.ts';
import { VenuePaths } from './venue-paths.ts';

/** The zones a walker is in at each 0.1 m along the route. */
function zoneChanges(zones: ZoneIndex, from: Point, route: Point[]) {
  const changes: { at: Point; from: string; to: string }[] = [];
  let prev = zones
    .containing('f3', ...from)
    .sort()
    .join('+');
  let at = from;
  for (const next of route) {
    const steps = Math.ceil(Math.hypot(next[0] - at[0], next[1] - at[1]) / 0.1);
    for (let i = 1; i <= steps; i++) {
      const p: Point = [at[0] + ((next[0] - at[0]) * i) / steps, at[1] + ((next[1] - at[1]) * i) / steps];
      const z = zones
        .containing('f3', ...p)
        .sort()
        .join('+');
      if (z !== prev) changes.push({ at: p, from: prev, to: z });
      prev = z;
    }
    at = next;
  }
  return changes;
}

describe('venue paths', () => {
  for (const id of JINCHENG_VENUES) {
    it(`${id}: walks from the public hall to every seat through the zone gate and the room door only`, () => {
      const venue = loadVenue(venueFile(id));
      const paths = new VenuePaths(venue);
      const zones = new ZoneIndex(venue);
      const start: Point = [4, 4];
      for (const room of venue.zones.filter((z) => z.type === 'evaluation-room')) {
        const seat = room.seats![0]!;
        const route = paths.route(start, paths.seat(room.id, seat.id));
        expect(route.at(-1)).toEqual(seat.at);
        for (const change of zoneChanges(zones, start, route)) {
          // Crossing between the hall, the zone and a room happens at a door; doorless rooms (witness room) are open.
          const doorless = ['witness-room', 'restroom', 'dining'].some(
            (z) => change.from.includes(z) || change.to.includes(z),
          );
          if (doorless) continue;
          const nearest = Math.min(
            ...venue.doors.map((d) => Math.hypot(d.at[0] - change.at[0], d.at[1] - change.at[1])),
          );
          expect(nearest, `${change.from} → ${change.to} at ${change.at}`).toBeLessThan(1.3);
        }
      }
    });
  }

  it('refuses a route into a place no door leads to', () => {
    const venue = loadVenue(venueFile('qinshui'));
    // Make room-1 a sealed room: no door.
    const sealed = { ...venue, doors: venue.doors.filter((d) => d.to !== 'room-1') };
    sealed.zones = sealed.zones.map((z) => (z.id === 'room-1' ? { ...z, parent: undefined } : z));
    expect(() => new VenuePaths(sealed).route([4, 4], [15, 35])).toThrow(/no route/);
  });
});
