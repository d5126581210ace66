import { signal } from '@preact/signals';
import { type TimeStyle, VENUE_TIME_ZONE, venueTimeFormat } from '../../config/venue-time.ts';

/** Console text is zh-CN first; English is the switch. */
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** Every venue is in China: times are shown in venue time whatever the browser's zone (config/venue-time.ts). */
export const TIME_ZONE = VENUE_TIME_ZONE;

const STORAGE_KEY = 'halledge.locale';

function initialLocale(): Locale {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  return stored === 'en' ? 'en' : 'zh-CN';
}

export const locale = signal<Locale>(initialLocale());

export function setLocale(next: Locale): void {
  locale.value = next;
  globalThis.localStorage?.setItem(STORAGE_KEY, next);
  if (globalThis.document) document.documentElement.lang = next;
}

/** A dictionary per locale; the English one must have every key the Chinese one has (checked by tsc). */
export type Dictionaries<D extends Record<string, string>> = { 'zh-CN': D; en: { [K in keyof D]: string } };

/**
 * A `t(key, vars)` for one set of dictionaries, reading the current locale (so components re-render on switch).
 * `{name}` placeholders are replaced from vars.
 */
export function translator<D extends Record<string, string>>(dicts: Dictionaries<D>) {
  return (key: keyof D & string, vars: Record<string, string | number> = {}): string =>
    dicts[locale.value][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** A label for a value that may be unknown to the dictionary (new alarm kinds, device kinds): falls back to the value. */
export function labelOf(dicts: Dictionaries<Record<string, string>>, value: string): string {
  return dicts[locale.value][value] ?? value;
}

/** A time in venue time (Asia/Shanghai), in the current locale. */
export function formatTime(ms: number | null | undefined, style: TimeStyle = 'time'): string {
  if (ms === null || ms === undefined) return '—';
  return venueTimeFormat(locale.value, style).format(ms);
}

/** 01:05:09 style duration (negative durations are shown as their absolute value). */
export function formatDuration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}
