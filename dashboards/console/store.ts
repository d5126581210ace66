import { computed, signal } from '@preact/signals';
import type { RaisedHere } from './alarm-stack.ts';
import { ApiError, type FeedEvent, openFeed, request } from './api.ts';
import { loadIntercom } from './pages/intercom-calls.ts';
import { playAlarmSound } from './sound.ts';
import type { Alarm, BoardSession, BusInfo, Device, Me, Position, Venue } from './types.ts';

/** What the console knows, as signals: pages read them and re-render when the feed changes them. */
export const me = signal<Me | null | undefined>(undefined);
export const venue = signal<Venue | null>(null);
export const devices = signal<Device[]>([]);
export const bus = signal<BusInfo | null>(null);
export const alarms = signal<Alarm[]>([]);
export const sessions = signal<BoardSession[]>([]);
export const positions = signal<Position[]>([]);
/** False once the server answers that it has no tracking API (the map then shows no people). */
export const trackingAvailable = signal(true);
export const feedLive = signal(false);
/** Alarms raised while the console is open, for the pop-up's stack (alarm-stack.ts orders and prunes them). */
export const raisedHere = signal<RaisedHere[]>([]);
export const lastError = signal<string | null>(null);

/** Pseudonym → name, only filled for roles the server gives names to. */
export const names = computed(() => {
  const map = new Map<string, string>();
  for (const s of sessions.value) for (const e of s.experts) if (e.name) map.set(e.pseudonym, e.name);
  return map;
});

export const openAlarms = computed(() => alarms.value.filter((a) => a.state !== 'resolved'));

export function personLabel(pseudonym: string | null): string {
  if (!pseudonym) return '?';
  return names.value.get(pseudonym) ?? pseudonym;
}

const report = (err: unknown) => {
  lastError.value = err instanceof Error ? err.message : String(err);
};

export const loaders = {
  venue: async () => {
    venue.value = await request<Venue>('/api/venue');
  },
  devices: async () => {
    devices.value = await request<Device[]>('/api/devices');
    bus.value = await request<BusInfo>('/api/bus');
  },
  /** Open alarms plus today's resolved ones, newest first. */
  alarms: async () => {
    const list = await request<Alarm[]>('/api/alarms');
    const since = Date.now() - 24 * 3600_000;
    alarms.value = list
      .filter((a) => a.state !== 'resolved' || (a.resolvedAt ?? 0) > since)
      .sort((a, b) => b.raisedAt - a.raisedAt);
  },
  sessions: async () => {
    sessions.value = await request<BoardSession[]>('/api/console/sessions');
  },
  intercom: loadIntercom,
  positions: async () => {
    if (!trackingAvailable.value) return;
    try {
      positions.value = await request<Position[]>('/api/tracking/positions');
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) trackingAvailable.value = false;
      else throw err;
    }
  },
};

type Loader = keyof typeof loaders;

/** Coalesces bursts of feed events into one reload per kind (a door storm must not flood the server). */
const pending = new Map<Loader, ReturnType<typeof setTimeout>>();
function reload(what: Loader, delayMs = 100): void {
  if (pending.has(what)) return;
  pending.set(
    what,
    setTimeout(() => {
      pending.delete(what);
      loaders[what]().catch(report);
    }, delayMs),
  );
}

/** Which views an event changes. */
function onFeedEvent(event: FeedEvent): void {
  const type = event.type;
  if (type.startsWith('alarm.')) {
    if (type === 'alarm.raised') announceAlarm(event);
    reload('alarms', 0);
  }
  if (type.startsWith('device.') || type.startsWith('access.') || type.startsWith('door.')) reload('devices');
  if (type.startsWith('session.') || type.startsWith('sessions.') || type.startsWith('checkin.')) reload('sessions');
  if (type.startsWith('tracking.')) reload('positions', 0);
  if (type.startsWith('intercom.')) reload('intercom', 0);
}

function announceAlarm(event: FeedEvent): void {
  const data = event.data ?? {}; // alarm events reach every role whole
  const alarm: Alarm = {
    id: String(data.alarmId),
    kind: String(data.kind ?? ''),
    level: (Number(data.level) || 1) as Alarm['level'],
    subject: event.subject ?? '',
    session: event.session ?? null,
    state: 'raised',
    details: (data.details as Record<string, unknown>) ?? {},
    raisedAt: event.at,
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
    note: null,
  };
  raisedHere.value = [...raisedHere.value, { alarm, sound: playAlarmSound(alarm.level) }];
}

let closeFeed: (() => void) | null = null;
let positionTimer: ReturnType<typeof setInterval> | null = null;

/** After sign-in: load everything once, then follow the live feed (and poll positions, which are not events). */
export async function startLive(): Promise<void> {
  const head = await request<{ head: { seq: number } }>('/ready').catch(() => null);
  await Promise.all(Object.values(loaders).map((load) => load().catch(report)));
  closeFeed?.();
  closeFeed = openFeed(
    onFeedEvent,
    (live) => {
      feedLive.value = live;
    },
    head?.head.seq ?? null,
  );
  if (positionTimer) clearInterval(positionTimer);
  positionTimer = setInterval(() => reload('positions', 0), 1000);
}

export function stopLive(): void {
  closeFeed?.();
  closeFeed = null;
  if (positionTimer) clearInterval(positionTimer);
  positionTimer = null;
}
