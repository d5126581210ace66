/**
 * Venue time, for the edge's own pages (evidence summary, verifier) and the dashboards alike: every venue is in
 * China (the venue schema fixes `timezone: Asia/Shanghai`, +08:00 all year), whatever zone the machine or the
 * browser is set to. Imports nothing, so the smallest page can take it.
 */
export const VENUE_TIME_ZONE = 'Asia/Shanghai';

export const TIME_STYLES = {
  time: { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false },
  datetime: {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  },
  date: { year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

export type TimeStyle = keyof typeof TIME_STYLES;

const formats = new Map<string, Intl.DateTimeFormat>();

/** A formatter for venue time in `locale` (kept: building one is slow). */
export function venueTimeFormat(locale: string, style: TimeStyle): Intl.DateTimeFormat {
  const key = `${locale}|${style}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { ...TIME_STYLES[style], timeZone: VENUE_TIME_ZONE });
    formats.set(key, format);
  }
  return format;
}
