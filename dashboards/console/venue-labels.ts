import { locale } from '../i18n/index.ts';
import { venue } from './store.ts';

/** A zone's or room's name in the current language (the venue file has zh names and optional English ones). */
export function zoneName(id: string): string {
  const zone = venue.value?.zones.find((z) => z.id === id);
  if (!zone) return id;
  return locale.value === 'en' ? (zone.nameEn ?? zone.name) : zone.name;
}

export function doorName(id: string): string {
  return venue.value?.doors.find((d) => d.id === id)?.name ?? id;
}
