import { computed } from '@preact/signals';
import { locale } from '../i18n/index.ts';
import { doorOf, type Places } from './alarm-places.ts';
import { devices, personLabel, sessions, venue } from './store.ts';
import type { Alarm } from './types.ts';

/** A zone's or room's name in the current language (the venue file has zh names and optional English ones). */
export function zoneName(id: string): string {
  const zone = venue.value?.zones.find((z) => z.id === id);
  if (!zone) return id;
  return locale.value === 'en' ? (zone.nameEn ?? zone.name) : zone.name;
}

export function doorName(id: string): string {
  return venue.value?.doors.find((d) => d.id === id)?.name ?? id;
}

/** Where things are, for alarm-places.ts: the venue file with today's sessions and device records. */
export const places = computed<Places>(() => ({
  zones: venue.value?.zones ?? [],
  doors: venue.value?.doors ?? [],
  sessions: sessions.value,
  devices: devices.value,
}));

/** An alarm's subject as a person on duty reads it: a device's, door's or zone's name, or an expert's name. */
export function subjectName(id: string): string {
  const device = devices.value.find((d) => d.id === id);
  if (device) return device.name;
  if (venue.value?.doors.some((d) => d.id === id)) return doorName(id);
  if (venue.value?.zones.some((z) => z.id === id)) return zoneName(id);
  return personLabel(id);
}

/**
 * An alarm's object by name. A door controller has its door's id, so a door alarm (forced, held open, tailgating)
 * names the door and a device alarm (offline, …) the device.
 */
export function alarmSubjectName(alarm: Alarm): string {
  const aboutDevice = alarm.kind.startsWith('device-') || alarm.kind.startsWith('camera-');
  if (!aboutDevice && doorOf(alarm, places.value) === alarm.subject) return doorName(alarm.subject);
  return subjectName(alarm.subject);
}
