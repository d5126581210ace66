import { computed, signal } from '@preact/signals';
import type { Call } from '../../../edge/intercom/intercom-service.ts';
import { request } from '../api.ts';
import { tw } from '../wall-messages.ts';

/** A call as the hall server reports it (JSON of the edge's own type). */
export type IntercomCall = Call;

const CONSOLE_KEY = 'halledge.intercom.console';

export const intercomCalls = signal<IntercomCall[]>([]);
export const consoles = signal<string[]>([]);
/** Which witness console this screen is (kept per browser). */
export const myConsole = signal<string>(globalThis.localStorage?.getItem(CONSOLE_KEY) ?? '');

export function chooseConsole(id: string): void {
  myConsole.value = id;
  globalThis.localStorage?.setItem(CONSOLE_KEY, id);
}

/** Calls waiting for a console, oldest first (the order they are answered in). */
export const waiting = computed(() =>
  intercomCalls.value
    .filter((c) => c.state === 'ringing' && c.direction === 'from-room')
    .sort((a, b) => a.startedAt - b.startedAt),
);

/** This console's call in progress or ringing out to a room, if any. */
export const myCall = computed(
  () =>
    intercomCalls.value.find(
      (c) =>
        c.console === myConsole.value &&
        (c.state === 'talking' || (c.state === 'ringing' && c.direction === 'to-room')),
    ) ?? null,
);

export async function loadIntercom(): Promise<void> {
  const [calls, settings] = await Promise.all([
    request<IntercomCall[]>('/api/intercom/calls'),
    consoles.value.length ? null : request<{ consoles: string[] }>('/api/intercom/settings'),
  ]);
  intercomCalls.value = calls;
  if (settings) {
    consoles.value = settings.consoles;
    if (!settings.consoles.includes(myConsole.value)) chooseConsole(settings.consoles[0] ?? '');
  }
}

/** A console's name for people: `console-2` is 值班台 2 (the venue file keeps ids only). */
export function consoleName(id: string): string {
  const n = /^console-(\d+)$/.exec(id)?.[1];
  return n ? tw('consoleN', { n }) : id;
}

/** Calls a room's station from this console (the alarm pop-up and the intercom page). */
export async function callRoom(room: string): Promise<void> {
  await request(`/api/intercom/rooms/${encodeURIComponent(room)}/call`, { body: { console: myConsole.value } });
  await loadIntercom();
}
