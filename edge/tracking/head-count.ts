import type { Venue } from '../../config/schema.ts';
import type { EventLog, LoggedEvent } from '../store/event-log.ts';
import { migrateTracking } from './schema.ts';

/** What one door's `in` direction does to an evaluation zone's head count: +1 entering it, -1 leaving it. */
interface DoorEffect {
  zone: string;
  sign: 1 | -1;
}

/**
 * People in each evaluation zone as the doors count them: every `access.passage` (a gate's or door's sensor
 * count, direction relative to the door's `from → to`) at a door between the zone and the outside adds or takes
 * away its count; `tracking.population-recounted` (a witness's head count) sets it. Kept in
 * `tracking_population`, a projection of the record, so the count survives a restart.
 */
export class ZoneHeadCount {
  /** Evaluation zones with at least one counting door. */
  readonly zones: string[];
  private readonly effects = new Map<string, DoorEffect[]>();
  private readonly read;

  constructor(
    venue: Venue,
    private readonly log: EventLog,
  ) {
    migrateTracking(log.db);
    const byId = new Map(venue.zones.map((z) => [z.id, z]));
    const evaluationZoneOf = (id: string): string | null => {
      for (let z = byId.get(id); z; z = z.parent ? byId.get(z.parent) : undefined)
        if (z.type === 'evaluation-zone') return z.id;
      return null;
    };
    for (const d of venue.doors) {
      const from = evaluationZoneOf(d.from);
      const to = evaluationZoneOf(d.to);
      if (from === to) continue; // a room door: inside the zone either way
      const effects: DoorEffect[] = [];
      if (to) effects.push({ zone: to, sign: 1 });
      if (from) effects.push({ zone: from, sign: -1 });
      this.effects.set(d.id, effects);
    }
    this.zones = [...new Set([...this.effects.values()].flat().map((e) => e.zone))];
    const db = log.db;
    this.read = db.prepare('SELECT counted FROM tracking_population WHERE zone = ?').pluck();
    const add = db.prepare(
      `INSERT INTO tracking_population (zone, counted, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (zone) DO UPDATE SET counted = counted + excluded.counted, updated_at = excluded.updated_at`,
    );
    const set = db.prepare(
      `INSERT INTO tracking_population (zone, counted, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (zone) DO UPDATE SET counted = excluded.counted, updated_at = excluded.updated_at`,
    );
    log.addProjection((e) => {
      if (e.type === 'access.passage') {
        const way = e.data.direction === 'in' ? 1 : -1;
        for (const effect of this.effects.get(e.data.door ?? '') ?? [])
          add.run(effect.zone, effect.sign * way * e.data.count, e.at);
      } else if (e.type === 'tracking.population-recounted') set.run(e.data.zone, e.data.counted, e.at);
    });
  }

  /** People counted into the zone and not out of it (0 before the first passage). */
  counted(zone: string): number {
    return (this.read.get(zone) as number | undefined) ?? 0;
  }

  /** A witness's head count replaces the door count (after a fire evacuation, say); recorded with who and why. */
  recount(input: { zone: string; counted: number; badges: number; by: string; note: string | null }): LoggedEvent {
    return this.log.append({
      type: 'tracking.population-recounted',
      actor: input.by,
      method: 'console',
      subject: input.zone,
      data: {
        zone: input.zone,
        counted: input.counted,
        previous: this.counted(input.zone),
        badges: input.badges,
        note: input.note,
      },
    });
  }
}
