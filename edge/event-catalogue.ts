// The catalogue of every event type the record accepts, assembled from each module's declarations
// (`edge/<module>/events.ts`). EventLog.append refuses a type not listed here, or data that does not match its
// schema; the upstream allow-list (edge/sync/upstream-projection.ts) is read from the same entries.
import type { Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { accessEvents } from './access/events.ts';
import { alertEvents } from './alerts/events.ts';
import { auditEvents } from './audit/events.ts';
import { busEvents } from './bus/events.ts';
import { checkinEvents } from './checkin/events.ts';
import { clockEvents } from './clock/events.ts';
import { displayEvents } from './displays/events.ts';
import { evidenceEvents } from './evidence/events.ts';
import { intercomEvents } from './intercom/events.ts';
import { registryEvents } from './registry/events.ts';
import { remoteEvents } from './remote/events.ts';
import { remoteMediaEvents } from './remote-media/events.ts';
import { sessionEvents } from './sessions/events.ts';
import type { EventSpec } from './store/event-spec.ts';
import { recordEvents } from './store/events.ts';
import { syncEvents } from './sync/events.ts';
import { trackingEvents } from './tracking/events.ts';
import { videoEvents } from './video/events.ts';

export const EVENT_CATALOGUE = {
  ...recordEvents,
  ...busEvents,
  ...registryEvents,
  ...alertEvents,
  ...sessionEvents,
  ...checkinEvents,
  ...accessEvents,
  ...trackingEvents,
  ...displayEvents,
  ...intercomEvents,
  ...videoEvents,
  ...syncEvents,
  ...remoteEvents,
  ...remoteMediaEvents,
  ...evidenceEvents,
  ...auditEvents,
  ...clockEvents,
} as const satisfies Record<string, EventSpec>;

type Catalogue = typeof EVENT_CATALOGUE;
/** Every event type the record accepts. */
export type EventType = keyof Catalogue;
/** The data of one event type, as its schema declares it. */
export type EventData<K extends EventType> = Static<Catalogue[K]['data']>;

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_CATALOGUE, type);
}

// Compiled once at load: a check costs about as much as a hand-written one (bench/event-log.ts measures it).
const checks = new Map(
  Object.entries(EVENT_CATALOGUE).map(([type, spec]) => [type, TypeCompiler.Compile(spec.data as EventSpec['data'])]),
);

/** Why this data cannot be recorded as this type (the field path under `/data` and the reason), or null. */
export function catalogueProblem(type: string, data: unknown): string | null {
  const check = checks.get(type);
  if (!check) return `/type: "${type}" is not in the event catalogue (edge/event-catalogue.ts)`;
  if (check.Check(data)) return null;
  const error = check.Errors(data).First();
  return error ? `/data${error.path}: ${error.message}` : '/data: does not match its schema';
}
