import { insideRing } from '../../config/geometry.ts';
import type { Point, Venue, Zone } from '../../config/schema.ts';

/** How close to a door's point a step must be to pass through that door, in metres. */
const DOOR_REACH_M = 1;

/**
 * Walking routes through a venue file: the floor as a grid of cells, each in its innermost zone; a step may
 * cross from one zone to another only through a door between them (or into a doorless zone from its parent,
 * e.g. a restroom off the evaluation zone). Routes are found breadth-first and thinned to their corners.
 */
export class VenuePaths {
  private readonly cols: number;
  private readonly rows: number;
  /** Innermost zone per cell, -1 where no zone is (not walkable). */
  private readonly cellZone: Int16Array;
  private readonly zones: Zone[];
  private readonly chains: Set<string>[];
  private readonly doorless: Set<string>;

  constructor(
    private readonly venue: Venue,
    readonly floor = venue.floors[0]!.id,
    private readonly step = 0.5,
  ) {
    const f = venue.floors.find((x) => x.id === floor);
    if (!f) throw new Error(`venue ${venue.id} has no floor ${floor}`);
    this.zones = venue.zones.filter((z) => z.floor === floor);
    const byId = new Map(venue.zones.map((z) => [z.id, z]));
    this.chains = this.zones.map((z) => {
      const chain = new Set<string>();
      for (let c: Zone | undefined = z; c; c = c.parent ? byId.get(c.parent) : undefined) chain.add(c.id);
      return chain;
    });
    const withDoors = new Set(venue.doors.flatMap((d) => [d.from, d.to]));
    this.doorless = new Set(this.zones.filter((z) => !withDoors.has(z.id)).map((z) => z.id));
    this.cols = Math.ceil(f.width / step);
    this.rows = Math.ceil(f.height / step);
    this.cellZone = new Int16Array(this.cols * this.rows).fill(-1);
    const rings = this.zones.map((z) => new Float64Array(z.polygon.flat()));
    const area = this.zones.map((z) => Math.abs(shoelace(z.polygon)));
    // Innermost: the deepest in the parent chain, then the smallest (a room drawn without its parent).
    const inner = (i: number, best: number) =>
      best < 0 ||
      this.chains[i]!.size > this.chains[best]!.size ||
      (this.chains[i]!.size === this.chains[best]!.size && area[i]! < area[best]!);
    for (let r = 0; r < this.rows; r++)
      for (let c = 0; c < this.cols; c++) {
        const [x, y] = this.centre(c, r);
        let best = -1;
        for (let i = 0; i < this.zones.length; i++) if (insideRing(rings[i]!, x, y) && inner(i, best)) best = i;
        this.cellZone[r * this.cols + c] = best;
      }
  }

  /** A point well inside the zone: the walkable cell of that zone nearest its centroid. */
  pointIn(zoneId: string): Point {
    const i = this.zones.findIndex((z) => z.id === zoneId);
    if (i < 0) throw new Error(`no zone ${zoneId} on floor ${this.floor}`);
    const poly = this.zones[i]!.polygon;
    const cx = poly.reduce((s, p) => s + p[0], 0) / poly.length;
    const cy = poly.reduce((s, p) => s + p[1], 0) / poly.length;
    return this.centre(...this.nearestCell([cx, cy], i));
  }

  seat(roomId: string, seatId: string): Point {
    const seat = this.venue.zones.find((z) => z.id === roomId)?.seats?.find((s) => s.id === seatId);
    if (!seat) throw new Error(`no seat ${seatId} in ${roomId}`);
    return seat.at;
  }

  /** The walking route from one point to another: the corners, ending at `to`. */
  route(from: Point, to: Point): Point[] {
    const start = this.nearestCell(from);
    const goal = this.nearestCell(to);
    const startIdx = start[1] * this.cols + start[0];
    const goalIdx = goal[1] * this.cols + goal[0];
    const prev = new Int32Array(this.cols * this.rows).fill(-1);
    prev[startIdx] = startIdx;
    const queue = [startIdx];
    for (let head = 0; head < queue.length && prev[goalIdx] === -1; head++) {
      const cur = queue[head]!;
      const c = cur % this.cols;
      const r = (cur - c) / this.cols;
      for (const [dc, dr] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ] as const) {
        const nc = c + dc;
        const nr = r + dr;
        if (nc < 0 || nr < 0 || nc >= this.cols || nr >= this.rows) continue;
        const next = nr * this.cols + nc;
        if (prev[next] !== -1 || !this.passable(cur, next)) continue;
        prev[next] = cur;
        queue.push(next);
      }
    }
    if (prev[goalIdx] === -1) throw new Error(`no route from ${from} to ${to} on ${this.floor}`);
    const cells: number[] = [];
    for (let at = goalIdx; at !== startIdx; at = prev[at]!) cells.push(at);
    cells.reverse();
    return [
      ...this.straighten([startIdx, ...cells]).map((i) => this.centre(i % this.cols, Math.floor(i / this.cols))),
      to,
    ].slice(1);
  }

  /** String pulling: from each kept cell, jump to the farthest later cell in a straight walkable line. */
  private straighten(cells: number[]): number[] {
    const kept = [cells[0]!];
    let i = 0;
    while (i < cells.length - 1) {
      let j = cells.length - 1;
      while (j > i + 1 && !this.straight(cells[i]!, cells[j]!)) j--;
      kept.push(cells[j]!);
      i = j;
    }
    return kept;
  }

  private straight(a: number, b: number): boolean {
    const [ax, ay] = this.centre(a % this.cols, Math.floor(a / this.cols));
    const [bx, by] = this.centre(b % this.cols, Math.floor(b / this.cols));
    const samples = Math.ceil(Math.hypot(bx - ax, by - ay) / (this.step / 4));
    let prev = a;
    for (let k = 1; k <= samples; k++) {
      const x = ax + ((bx - ax) * k) / samples;
      const y = ay + ((by - ay) * k) / samples;
      const cell = Math.floor(y / this.step) * this.cols + Math.floor(x / this.step);
      if (cell !== prev && !this.passable(prev, cell)) return false;
      prev = cell;
    }
    return true;
  }

  private passable(a: number, b: number): boolean {
    const za = this.cellZone[a]!;
    const zb = this.cellZone[b]!;
    if (za < 0 || zb < 0) return false;
    if (za === zb) return true;
    const A = this.zones[za]!;
    const B = this.zones[zb]!;
    const open = (inner: Zone, outer: number) => this.doorless.has(inner.id) && this.zones[outer]!.id === inner.parent;
    if (open(A, zb) || open(B, za)) return true;
    const [ax, ay] = this.centre(a % this.cols, Math.floor(a / this.cols));
    const [bx, by] = this.centre(b % this.cols, Math.floor(b / this.cols));
    const mx = (ax + bx) / 2;
    const my = (ay + by) / 2;
    return this.venue.doors.some(
      (d) =>
        d.floor === this.floor &&
        Math.hypot(d.at[0] - mx, d.at[1] - my) <= DOOR_REACH_M &&
        ((this.chains[za]!.has(d.from) && this.chains[zb]!.has(d.to)) ||
          (this.chains[za]!.has(d.to) && this.chains[zb]!.has(d.from))),
    );
  }

  private centre(c: number, r: number): Point {
    return [(c + 0.5) * this.step, (r + 0.5) * this.step];
  }

  /** The walkable cell nearest the point (of one zone, if given). */
  private nearestCell(p: Point, zone?: number): [number, number] {
    let best: [number, number] = [0, 0];
    let bestD = Infinity;
    for (let r = 0; r < this.rows; r++)
      for (let c = 0; c < this.cols; c++) {
        const z = this.cellZone[r * this.cols + c]!;
        if (z < 0 || (zone !== undefined && z !== zone)) continue;
        const [x, y] = this.centre(c, r);
        const d = (x - p[0]) ** 2 + (y - p[1]) ** 2;
        if (d < bestD) {
          bestD = d;
          best = [c, r];
        }
      }
    return best;
  }
}

function shoelace(polygon: readonly Point[]): number {
  let sum = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x1, y1] = polygon[i]!;
    const [x2, y2] = polygon[(i + 1) % polygon.length]!;
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}
