// Which of a guest venue's events concern a guest room of a remote session, though they may not name the session:
// its alarms whose place is the room (or a zone, door, device or camera of it), the handling of its alarms about
// such a place (a device's, a door's: the handling names only the alarm's subject), and its devices going online or
// offline — within the session's scheduled time. The room's places come from the hub's own copy of the venue's
// topology (config/venues), never from an upload.
import type { Venue } from '../../config/schema.ts';
import type { GuestEvent } from '../../edge/sync/link-wire.ts';
import { alarmPlace } from '../../edge/sync/national-alarm.ts';

/** What the rule knows of one guest room of one remote session. */
export interface GuestRoomScope {
  session: string;
  /** The session's scheduled time [start, end] (ms); events of the room outside it are not the session's. */
  start: number;
  end: number;
  /** Ids of the room, its zones, its doors, the devices and cameras in it. */
  places: ReadonlySet<string>;
}

/** Events whose subject is where they happened: a device's health, an alarm's handling. */
const BY_SUBJECT = new Set(['device.online', 'device.offline', 'alarm.acknowledged', 'alarm.resolved']);

/** The event is the session's own, or it happened in the guest room during the session's time. */
export function concernsGuestRoom(e: GuestEvent, scope: GuestRoomScope): boolean {
  if (e.session === scope.session) return true;
  if (e.session !== null || e.at < scope.start || e.at > scope.end) return false;
  if (BY_SUBJECT.has(e.type)) return e.subject !== null && scope.places.has(e.subject);
  if (e.type === 'alarm.raised') {
    const content = (e.body?.projectAlarm as { alarmContent?: unknown } | undefined)?.alarmContent;
    const place = typeof content === 'string' ? alarmPlace(content) : null;
    return place !== null && scope.places.has(place);
  }
  return false;
}

/**
 * The ids that are in `room` of a venue: the room, the zones inside it (at any depth), the doors into or out of
 * it, the devices placed in the room, one of its zones or at one of its doors, and the cameras watching its zones.
 */
export function roomPlaces(venue: Pick<Venue, 'zones' | 'doors' | 'devices' | 'cameras'>, room: string): Set<string> {
  const zones = new Set([room]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const z of venue.zones)
      if (z.parent && zones.has(z.parent) && !zones.has(z.id)) {
        zones.add(z.id);
        grew = true;
      }
  }
  const doors = new Set(venue.doors.filter((d) => zones.has(d.to) || zones.has(d.from)).map((d) => d.id));
  const places = new Set([...zones, ...doors]);
  for (const d of venue.devices)
    if ((d.room && zones.has(d.room)) || (d.zone && zones.has(d.zone)) || (d.door && doors.has(d.door)))
      places.add(d.id);
  for (const c of venue.cameras) if (zones.has(c.zone)) places.add(c.id);
  return places;
}
