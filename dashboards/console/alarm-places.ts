import type { Alarm, Venue } from './types.ts';

/** What the console knows about where things are: the venue file, today's sessions and the device records. */
export interface Places {
  zones: readonly Pick<Venue['zones'][number], 'id' | 'type'>[];
  doors: readonly Pick<Venue['doors'][number], 'id' | 'from' | 'to'>[];
  sessions: readonly { id: string; room: string }[];
  devices: readonly { id: string; room?: string | null; door?: string | null }[];
}

/** The door an alarm is about: its subject (forced/held-open, tailgating) or the door in its details. */
export function doorOf(alarm: Alarm, places: Places): string | null {
  const isDoor = (id: unknown): id is string => typeof id === 'string' && places.doors.some((d) => d.id === id);
  if (isDoor(alarm.subject)) return alarm.subject;
  return isDoor(alarm.details.door) ? alarm.details.door : null;
}

/**
 * The room an alarm is about: its session's room, the device's room, the evaluation room a door opens into (a
 * forced room door names its room), or a room named in its details.
 */
export function roomOf(alarm: Alarm, places: Places): string | null {
  const session = alarm.session ? places.sessions.find((s) => s.id === alarm.session) : null;
  if (session) return session.room;
  const device = places.devices.find((d) => d.id === alarm.subject);
  if (device?.room) return device.room;
  const door = places.doors.find((d) => d.id === doorOf(alarm, places));
  const room =
    door && places.zones.find((z) => (z.id === door.to || z.id === door.from) && z.type === 'evaluation-room');
  if (room) return room.id;
  const named = alarm.details.room;
  return typeof named === 'string' ? named : null;
}

/** The highest open alarm level on each map object: rooms, doors and devices (resolved alarms draw nothing). */
export interface AlarmMarks {
  zones: Map<string, Alarm['level']>;
  doors: Map<string, Alarm['level']>;
  devices: Map<string, Alarm['level']>;
}

export function alarmMarks(alarms: readonly Alarm[], places: Places): AlarmMarks {
  const marks: AlarmMarks = { zones: new Map(), doors: new Map(), devices: new Map() };
  const raise = (map: Map<string, Alarm['level']>, id: string | null, level: Alarm['level']) => {
    if (id && level > (map.get(id) ?? 0)) map.set(id, level);
  };
  for (const alarm of alarms) {
    if (alarm.state === 'resolved') continue;
    raise(marks.zones, roomOf(alarm, places), alarm.level);
    raise(marks.doors, doorOf(alarm, places), alarm.level);
    const device = places.devices.find((d) => d.id === alarm.subject || d.id === alarm.details.device);
    raise(marks.devices, device?.id ?? null, alarm.level);
  }
  return marks;
}

/** The cameras that film a room (its own first), else those of the zone around it: the pop-up's linked camera. */
export function camerasOf<C extends { id: string; zone: string }>(
  room: string | null,
  cameras: readonly C[],
  zones: readonly Pick<Venue['zones'][number], 'id' | 'parent'>[],
): C[] {
  if (!room) return [];
  const own = cameras.filter((c) => c.zone === room);
  if (own.length) return own;
  const parent = zones.find((z) => z.id === room)?.parent;
  return parent ? cameras.filter((c) => c.zone === parent) : [];
}
