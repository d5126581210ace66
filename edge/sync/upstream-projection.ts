// What goes up to the city platform: an allow-list of event types and, per type, of fields (deny by default).
// An event whose type is not listed still goes up — its chain position must, or the chain breaks upstream — but
// with every field other than seq, time, type and hash withheld. Values must also have the expected form: an
// `id` leaf takes only an identifier (no spaces, no CJK, no long blobs), so a name or a photo put into an allowed
// field by mistake is dropped rather than uploaded.
import type { AlarmLevel } from '../alerts/alarms.ts';
import { EVENT_CATALOGUE } from '../event-catalogue.ts';
import type { LoggedEvent } from '../store/event-log.ts';
import type {
  UpstreamLeaf as Leaf,
  UpstreamShape as Shape,
  UpstreamDerivation,
  UpstreamRule,
} from '../store/event-spec.ts';
import { HANDLE_STATES, projectAlarm } from './national-alarm.ts';
import { bodyDigest, type RedactedView, type UpstreamEvent } from './wire.ts';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,95}$/;
const CODE = /^[A-Za-z0-9][A-Za-z0-9_.:/+@-]{0,63}$/;

function leaf(kind: Leaf, value: unknown): unknown {
  switch (kind) {
    case 'id':
      return typeof value === 'string' && ID.test(value) ? value : undefined;
    case 'code':
      return typeof value === 'string' && CODE.test(value) ? value : undefined;
    case 'int':
      return Number.isSafeInteger(value) ? value : undefined;
    case 'time':
      return Number.isSafeInteger(value) && (value as number) >= 0 ? value : undefined;
    case 'bool':
      return typeof value === 'boolean' ? value : undefined;
  }
}

const fieldsOf = new WeakMap<object, [string, Shape][]>();
/** A shape's fields in sorted order, so picked objects come out in canonical key order (cheaper to digest). */
function sortedFields(shape: Record<string, Shape>): [string, Shape][] {
  let fields = fieldsOf.get(shape);
  if (!fields) {
    fields = Object.entries(shape).sort(([a], [b]) => (a < b ? -1 : 1));
    fieldsOf.set(shape, fields);
  }
  return fields;
}

/** Copies only what the shape allows; a value of the wrong form is left out (null stays null). */
export function pick(shape: Shape, value: unknown): unknown {
  if (value === null) return null;
  if (typeof shape === 'string') return leaf(shape, value);
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return undefined;
    return value.map((v) => pick(shape[0]!, v)).filter((v) => v !== undefined);
  }
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [field, sub] of sortedFields(shape as Record<string, Shape>)) {
    if (!(field in (value as object))) continue;
    const v = pick(sub, (value as Record<string, unknown>)[field]);
    if (v !== undefined) out[field] = v;
  }
  return out;
}

/** Where an alarm is: the first room, zone, door or device its details name (ids only). */
const ALARM_PLACE = ['room', 'zone', 'door', 'device', 'camera'] as const;

function alarmRaised(e: LoggedEvent): Record<string, unknown> {
  const d = e.data as { alarmId?: unknown; kind?: unknown; level?: unknown; details?: Record<string, unknown> };
  const details = (d.details ?? {}) as Record<string, unknown>;
  const place = ALARM_PLACE.map((k) => leaf('id', details[k])).find((v) => v !== undefined) as string | undefined;
  const level = ([1, 2, 3] as const).find((l) => l === d.level) ?? 1;
  const kind = (leaf('id', d.kind) as string | undefined) ?? 'unknown';
  return {
    projectAlarm: projectAlarm({
      alarmId: (leaf('id', d.alarmId) as string | undefined) ?? `seq-${e.seq}`,
      kind,
      level: level as AlarmLevel,
      at: e.at,
      place: place ?? (leaf('id', e.subject) as string | undefined) ?? null,
    }),
  };
}

const alarmHandled = (state: 'acknowledged' | 'resolved') => (e: LoggedEvent) => ({
  alarmId: leaf('id', e.data.alarmId) ?? null,
  handleState: HANDLE_STATES[state],
});

/** Import reports go up as the session ids touched and how many inputs were refused (not the refused text). */
function importReport(e: LoggedEvent): Record<string, unknown> {
  const d = e.data as { source?: unknown; created?: unknown; updated?: unknown; rejected?: unknown[] };
  return {
    ...(pick({ source: 'code', created: ['id'], updated: ['id'] }, d) as object),
    rejected: Array.isArray(d.rejected) ? d.rejected.length : 0,
  };
}

/** How a derived body is built from the event (the catalogue names the derivation). */
const DERIVATIONS: Record<UpstreamDerivation, (e: LoggedEvent) => Record<string, unknown>> = {
  'alarm-raised': alarmRaised,
  'alarm-handled': (e) => alarmHandled(e.type === 'alarm.resolved' ? 'resolved' : 'acknowledged')(e),
  'import-report': importReport,
};

/**
 * The allow-list, read from the event catalogue: each type's `upstream` rule (edge/<module>/events.ts). A type
 * without one goes up withheld. Review with the privacy officer before adding to it.
 */
export const UPLOAD_RULES: Readonly<Record<string, UploadRule>> = Object.fromEntries(
  Object.entries(EVENT_CATALOGUE).flatMap(([type, spec]) => {
    const rule: UpstreamRule | undefined = 'upstream' in spec ? spec.upstream : undefined;
    if (!rule) return [];
    return [
      [
        type,
        rule.derive ? { actor: rule.actor, derive: DERIVATIONS[rule.derive] } : { actor: rule.actor, data: rule.body },
      ],
    ];
  }),
);

interface UploadRule {
  actor: UpstreamRule['actor'];
  /** Shape of the uploaded body, picked from the event's data… */
  data?: Shape;
  /** …or a derivation for events whose body is rebuilt (alarms, import reports). */
  derive?: (e: LoggedEvent) => Record<string, unknown>;
}

/** Actors that are roles of the system itself, not people. */
const SYSTEM_ACTORS = new Set(['system', 'platform']);

export type Pseudonymise = (id: string) => string;

/** The redacted view of one event (before its digest). */
export function redact(e: LoggedEvent, pseudonymise: Pseudonymise): RedactedView {
  const rule = UPLOAD_RULES[e.type];
  if (!rule) {
    return { at: e.at, type: e.type, session: null, subject: null, actor: null, method: null, body: null };
  }
  const actorId = leaf('id', e.actor) as string | undefined;
  let actor: string | null = null;
  if (actorId && rule.actor === 'keep') actor = actorId;
  else if (actorId && rule.actor === 'pseudonymise')
    actor = SYSTEM_ACTORS.has(actorId) ? actorId : pseudonymise(actorId);
  const body = rule.derive ? rule.derive(e) : (pick(rule.data ?? {}, e.data) as Record<string, unknown>);
  return {
    at: e.at,
    type: e.type,
    session: (leaf('id', e.session) as string | undefined) ?? null,
    subject: (leaf('id', e.subject) as string | undefined) ?? null,
    actor,
    method: (leaf('code', e.method) as string | undefined) ?? null,
    body,
  };
}

/** The event as uploaded: chain position, redacted view and its digest. */
export function toUpstream(e: LoggedEvent, pseudonymise: Pseudonymise): UpstreamEvent {
  const view = redact(e, pseudonymise);
  return { seq: e.seq, prevHash: e.prevHash, hash: e.hash, ...view, bodyDigest: bodyDigest(view) };
}
