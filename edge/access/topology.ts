import type { Door, Venue } from '../../config/schema.ts';

/** Where a person is, as access control sees it: outside the zone, in the zone (corridors, restroom…), or in a room. */
export type Location = 'outside' | 'zone' | `room:${string}`;

export type Direction = 'in' | 'out';

/** What passing a door in one direction means for the evaluation zone. */
export type MovementKind = 'zone-entry' | 'zone-exit' | 'room-entry' | 'room-exit' | 'inside' | 'outside';

export interface Movement {
  door: string;
  from: Location;
  to: Location;
  kind: MovementKind;
  /** The room whose door this is, for room entries and exits. */
  room: string | null;
}

/**
 * The venue's doors as access control needs them: which controller serves which door, and where a passage
 * leads. A door's `from → to` is its `in` direction; `out` is the reverse (so an exit gate's `in` leaves the zone).
 */
export class AccessTopology {
  private readonly doorsByDevice = new Map<string, Door>();
  private readonly location = new Map<string, Location>();
  readonly passageDevices: string[];
  readonly lockerBanks: string[];
  readonly firePanels: string[];

  constructor(readonly venue: Venue) {
    const doors = new Map(venue.doors.map((d) => [d.id, d]));
    const zones = new Map(venue.zones.map((z) => [z.id, z]));
    for (const z of venue.zones) {
      if (z.type === 'evaluation-room') this.location.set(z.id, `room:${z.id}`);
      else if (z.type === 'evaluation-zone' || zones.get(z.parent ?? '')?.type === 'evaluation-zone')
        this.location.set(z.id, 'zone');
      else this.location.set(z.id, 'outside');
    }
    for (const d of venue.devices) {
      if ((d.kind === 'gate' || d.kind === 'door') && d.door && doors.has(d.door))
        this.doorsByDevice.set(d.id, doors.get(d.door)!);
    }
    this.passageDevices = [...this.doorsByDevice.keys()];
    this.lockerBanks = venue.devices.filter((d) => d.kind === 'locker').map((d) => d.id);
    this.firePanels = venue.devices.filter((d) => d.kind === 'fire-panel').map((d) => d.id);
  }

  doorOf(deviceId: string): Door | null {
    return this.doorsByDevice.get(deviceId) ?? null;
  }

  locationOf(zoneId: string): Location {
    return this.location.get(zoneId) ?? 'outside';
  }

  movement(deviceId: string, direction: Direction): Movement | null {
    const door = this.doorOf(deviceId);
    if (!door) return null;
    const [a, b] = direction === 'in' ? [door.from, door.to] : [door.to, door.from];
    const from = this.locationOf(a);
    const to = this.locationOf(b);
    const room = (to.startsWith('room:') ? to : from.startsWith('room:') ? from : null)?.slice(5) ?? null;
    let kind: MovementKind;
    if (from === 'outside' && to !== 'outside') kind = 'zone-entry';
    else if (from !== 'outside' && to === 'outside') kind = 'zone-exit';
    else if (to.startsWith('room:')) kind = 'room-entry';
    else if (from.startsWith('room:')) kind = 'room-exit';
    else kind = from === 'outside' ? 'outside' : 'inside';
    return { door: door.id, from, to, kind, room };
  }
}
