import { type Point, SMALL_SHARED_ZONE_TYPES, type Venue, type Zone } from './schema.ts';

// The geometry of the venue file's zones (polygons, tolerances, small shared zones): pure code over config/schema.ts,
// shared by the tracking rules (edge/tracking) and the badge simulator's walks.

/** Axis-aligned bounding box: a cheap first test before the polygon itself. */
export interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function boundingBox(polygon: readonly Point[]): Box {
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const [x, y] of polygon) {
    box.minX = Math.min(box.minX, x);
    box.minY = Math.min(box.minY, y);
    box.maxX = Math.max(box.maxX, x);
    box.maxY = Math.max(box.maxY, y);
  }
  return box;
}

/** Even-odd ray casting on a flat [x0, y0, x1, y1, …] ring; planar metres, so no geodesy is needed. */
export function insideRing(ring: Float64Array, x: number, y: number): boolean {
  let inside = false;
  const n = ring.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
    const xi = ring[i]!;
    const yi = ring[i + 1]!;
    const xj = ring[j]!;
    const yj = ring[j + 1]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Shortest distance from the point to the ring's edges, in metres. */
export function distanceToRing(ring: Float64Array, x: number, y: number): number {
  let best = Infinity;
  const n = ring.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
    const ax = ring[j]!;
    const ay = ring[j + 1]!;
    const dx = ring[i]! - ax;
    const dy = ring[i + 1]! - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
    const ex = ax + t * dx - x;
    const ey = ay + t * dy - y;
    best = Math.min(best, ex * ex + ey * ey);
  }
  return Math.sqrt(best);
}

/** A venue zone prepared for fast tests: flat ring, bounding box, index into per-badge state arrays. */
export interface PreparedZone {
  index: number;
  id: string;
  type: Zone['type'];
  floor: string;
  parent: string | null;
  /** A small shared zone: experts of different sessions inside together are in contact at any distance. */
  shared: boolean;
  ring: Float64Array;
  box: Box;
}

/** The venue's zones grouped by floor, each with its bounding box precomputed. */
export class ZoneIndex {
  readonly zones: PreparedZone[];
  private readonly byFloor = new Map<string, PreparedZone[]>();
  private readonly byId = new Map<string, PreparedZone>();

  constructor(venue: Venue) {
    this.zones = venue.zones.map((z, index) => ({
      index,
      id: z.id,
      type: z.type,
      floor: z.floor,
      parent: z.parent ?? null,
      shared: (z.shared ?? (SMALL_SHARED_ZONE_TYPES.includes(z.type) ? 'small' : 'open')) === 'small',
      ring: new Float64Array(z.polygon.flat()),
      box: boundingBox(z.polygon),
    }));
    for (const z of this.zones) {
      this.byFloor.set(z.floor, [...(this.byFloor.get(z.floor) ?? []), z]);
      this.byId.set(z.id, z);
    }
  }

  get(id: string): PreparedZone | undefined {
    return this.byId.get(id);
  }

  onFloor(floor: string): readonly PreparedZone[] {
    return this.byFloor.get(floor) ?? [];
  }

  contains(zone: PreparedZone, floor: string, x: number, y: number): boolean {
    const b = zone.box;
    return (
      zone.floor === floor && x >= b.minX && x <= b.maxX && y >= b.minY && y <= b.maxY && insideRing(zone.ring, x, y)
    );
  }

  /** Ids of the zones that contain the point (a room and the evaluation zone around it both do). */
  containing(floor: string, x: number, y: number): string[] {
    return this.onFloor(floor)
      .filter((z) => this.contains(z, floor, x, y))
      .map((z) => z.id);
  }

  /** Metres from the point to the zone (0 inside); another floor is infinitely far. */
  distance(zone: PreparedZone, floor: string, x: number, y: number): number {
    if (zone.floor !== floor) return Infinity;
    return this.contains(zone, floor, x, y) ? 0 : distanceToRing(zone.ring, x, y);
  }
}
