import { distanceToRing, insideRing, type PreparedZone, type ZoneIndex } from '../../config/geometry.ts';

/**
 * Fence semantics after omlox: entering is immediate; leaving needs the badge beyond `exitToleranceM` for
 * `exitDelayMs`, or outside the polygon but within the tolerance for `toleranceTimeoutMs`; a badge not heard
 * for `timeoutMs` has left every zone. So a badge standing in a doorway with 0.5 m of noise does not flap.
 */
export interface FenceOptions {
  exitToleranceM: number;
  toleranceTimeoutMs: number;
  exitDelayMs: number;
  timeoutMs: number;
}

/** One badge's presence in one zone. */
interface Presence {
  enteredAt: number;
  /** First moment seen outside the polygon since last inside. */
  outsideSince: number | null;
  /** First moment seen beyond the exit tolerance since last inside or within it. */
  beyondSince: number | null;
}

export type LeaveReason = 'moved' | 'timeout';

export interface ZoneTransition {
  badge: string;
  zone: PreparedZone;
  kind: 'entered' | 'left';
  /** When the engine decided (edge clock). */
  at: number;
  enteredAt: number;
  /** For `left`: when the badge was first outside (or last heard, for a timeout); dwell ends here. */
  leftAt: number | null;
  reason: LeaveReason | null;
}

/** A badge's fence state: one slot per venue zone, by zone index. */
export class BadgeFences {
  private readonly presence: (Presence | undefined)[];
  lastHeardAt = 0;

  constructor(zoneCount: number) {
    this.presence = new Array(zoneCount);
  }

  isInside(zone: PreparedZone): boolean {
    return this.presence[zone.index] !== undefined;
  }

  enteredAt(zone: PreparedZone): number | null {
    return this.presence[zone.index]?.enteredAt ?? null;
  }

  /** Zone indexes the badge is in, in venue order. */
  insideIndexes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.presence.length; i++) if (this.presence[i]) out.push(i);
    return out;
  }

  set(index: number, p: Presence | undefined): void {
    this.presence[index] = p;
  }

  get(index: number): Presence | undefined {
    return this.presence[index];
  }
}

export class FenceEngine {
  constructor(
    private readonly zones: ZoneIndex,
    public options: FenceOptions,
  ) {}

  /** Applies one position; pushes the zone entries and exits it causes onto `out`. */
  update(
    badge: string,
    fences: BadgeFences,
    floor: string,
    x: number,
    y: number,
    now: number,
    out: ZoneTransition[],
  ): void {
    fences.lastHeardAt = now;
    const o = this.options;
    for (const z of this.zones.zones) {
      const p = fences.get(z.index);
      const b = z.box;
      const inside =
        z.floor === floor && x >= b.minX && x <= b.maxX && y >= b.minY && y <= b.maxY && insideRing(z.ring, x, y);
      if (!p) {
        if (inside) this.enter(badge, fences, z, now, out);
        continue;
      }
      if (inside) {
        p.outsideSince = null;
        p.beyondSince = null;
        continue;
      }
      p.outsideSince ??= now;
      const distance = z.floor === floor ? distanceToRing(z.ring, x, y) : Infinity;
      if (distance <= o.exitToleranceM) p.beyondSince = null;
      else p.beyondSince ??= now;
      this.checkExit(badge, fences, z, p, now, out);
    }
  }

  /** Applies the passage of time: exit delays, tolerance timeouts and the silence timeout. */
  tick(badge: string, fences: BadgeFences, now: number, out: ZoneTransition[]): void {
    for (const index of fences.insideIndexes()) {
      const z = this.zones.zones[index]!;
      const p = fences.get(index)!;
      if (now - fences.lastHeardAt >= this.options.timeoutMs) {
        fences.set(index, undefined);
        out.push(left(badge, z, p, now, fences.lastHeardAt, 'timeout'));
      } else this.checkExit(badge, fences, z, p, now, out);
    }
  }

  private enter(badge: string, fences: BadgeFences, zone: PreparedZone, now: number, out: ZoneTransition[]): void {
    fences.set(zone.index, { enteredAt: now, outsideSince: null, beyondSince: null });
    out.push({ badge, zone, kind: 'entered', at: now, enteredAt: now, leftAt: null, reason: null });
  }

  private checkExit(
    badge: string,
    fences: BadgeFences,
    zone: PreparedZone,
    p: Presence,
    now: number,
    out: ZoneTransition[],
  ): void {
    const o = this.options;
    const beyond = p.beyondSince !== null && now - p.beyondSince >= o.exitDelayMs;
    const lingering = p.outsideSince !== null && now - p.outsideSince >= o.toleranceTimeoutMs;
    if (!beyond && !lingering) return;
    fences.set(zone.index, undefined);
    out.push(left(badge, zone, p, now, p.outsideSince ?? now, 'moved'));
  }
}

function left(
  badge: string,
  zone: PreparedZone,
  p: Presence,
  now: number,
  leftAt: number,
  reason: LeaveReason,
): ZoneTransition {
  return { badge, zone, kind: 'left', at: now, enteredAt: p.enteredAt, leftAt, reason };
}
