import type { Point, Venue } from '../../config/schema.ts';
import { DeviceSimulator, type SimulatorIdentity, type SimulatorOptions } from '../device-simulator.ts';
import { VenuePaths } from './venue-paths.ts';

export interface BadgeOptions {
  /** Walking speed in metres per second. */
  speedMps?: number;
  battery?: number;
  /** Battery lost per second, in percent (a badge about to run flat). */
  drainPctPerS?: number;
  /** Positioning noise: each fix is off by up to this many metres (deterministic). */
  noiseM?: number;
  accuracy?: number;
}

interface Walker {
  badge: string;
  at: Point;
  route: Point[];
  speedMps: number;
  battery: number;
  drainPctPerS: number;
  noiseM: number;
  accuracy: number;
  /** A lost badge (flat, shielded, left in a drawer) publishes nothing. */
  silent: boolean;
}

/**
 * The positioning engine (kind rtls, e.g. `rtls-1`) with simulated badges: people walk along routes through
 * the venue file and every `intervalMs` the engine publishes one `positions` batch with every audible badge.
 * Scenarios script it: place badges, walk them to a zone or seat, silence one, drain another's battery.
 */
export class BadgeSimulator extends DeviceSimulator {
  private routes: VenuePaths | null = null;
  private readonly walkers = new Map<string, Walker>();
  private timer: NodeJS.Timeout | null = null;
  private lastStep = 0;
  private seed = 1;
  /** Positions published so far. */
  published = 0;

  constructor(
    identity: SimulatorIdentity,
    options: SimulatorOptions,
    private readonly venue: Venue,
    private readonly intervalMs = 1000,
  ) {
    super(identity, options);
  }

  /** Routes through the venue, built on first use (an idle engine in the demo never needs them). */
  get paths(): VenuePaths {
    this.routes ??= new VenuePaths(this.venue);
    return this.routes;
  }

  /** Puts a badge at a point (a zone id means a point well inside that zone). */
  place(badge: string, where: Point | string, options: BadgeOptions = {}): void {
    this.walkers.set(badge, {
      badge,
      at: this.point(where),
      route: [],
      speedMps: options.speedMps ?? 1.2,
      battery: options.battery ?? 90,
      drainPctPerS: options.drainPctPerS ?? 0,
      noiseM: options.noiseM ?? 0,
      accuracy: options.accuracy ?? 0.3,
      silent: false,
    });
  }

  /** Walks the badge from where it is to a point, a zone, or a seat (`room-1/s3`), through doors. */
  walkTo(badge: string, where: Point | string): Point[] {
    const w = this.walker(badge);
    w.route = this.paths.route(w.at, this.point(where));
    return w.route;
  }

  arrived(badge: string): boolean {
    return this.walker(badge).route.length === 0;
  }

  positionOf(badge: string): Point {
    return this.walker(badge).at;
  }

  silence(badge: string, silent = true): void {
    this.walker(badge).silent = silent;
  }

  setBattery(badge: string, battery: number, drainPctPerS = 0): void {
    const w = this.walker(badge);
    w.battery = battery;
    w.drainPctPerS = drainPctPerS;
  }

  remove(badge: string): void {
    this.walkers.delete(badge);
  }

  /** Starts moving and publishing every `intervalMs`. */
  run(): void {
    this.lastStep = Date.now();
    this.timer ??= setInterval(() => void this.tick().catch(() => {}), this.intervalMs);
    this.timer.unref();
  }

  /** Moves everyone by the time since the last tick and publishes one batch. */
  async tick(now = Date.now()): Promise<void> {
    const dt = Math.max(0, (now - (this.lastStep || now)) / 1000);
    this.lastStep = now;
    const positions = [];
    for (const w of this.walkers.values()) {
      move(w, w.speedMps * dt);
      w.battery = Math.max(0, w.battery - w.drainPctPerS * dt);
      if (w.silent) continue;
      positions.push({
        badge: w.badge,
        x: w.at[0] + this.noise(w.noiseM),
        y: w.at[1] + this.noise(w.noiseM),
        floor: this.paths.floor,
        accuracy: w.accuracy,
        battery: Math.round(w.battery),
        at: now,
      });
    }
    if (positions.length === 0) return;
    this.published += positions.length;
    await this.event('positions', { positions });
  }

  override async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await super.stop();
  }

  private walker(badge: string): Walker {
    const w = this.walkers.get(badge);
    if (!w) throw new Error(`no simulated badge ${badge}`);
    return w;
  }

  private point(where: Point | string): Point {
    if (typeof where !== 'string') return where;
    const [room, seat] = where.split('/');
    return seat ? this.paths.seat(room!, seat) : this.paths.pointIn(where);
  }

  /** Deterministic noise in [-m, m] (a small LCG), so a scenario replays the same way. */
  private noise(m: number): number {
    if (m === 0) return 0;
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (this.seed / 2_147_483_648) * 2 * m - m;
  }
}

/** Advances along the route by `distance` metres. */
function move(w: Walker, distance: number): void {
  let left = distance;
  while (left > 0 && w.route.length > 0) {
    const [tx, ty] = w.route[0]!;
    const d = Math.hypot(tx - w.at[0], ty - w.at[1]);
    if (d <= left) {
      w.at = [tx, ty];
      w.route.shift();
      left -= d;
    } else {
      w.at = [w.at[0] + ((tx - w.at[0]) * left) / d, w.at[1] + ((ty - w.at[1]) * left) / d];
      left = 0;
    }
  }
}
