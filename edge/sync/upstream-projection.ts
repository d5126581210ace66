// What goes up to the city platform: an allow-list of event types and, per type, of fields (deny by default).
// An event whose type is not listed still goes up — its chain position must, or the chain breaks upstream — but
// with every field other than seq, time, type and hash withheld. Values must also have the expected form: an
// `id` leaf takes only an identifier (no spaces, no CJK, no long blobs), so a name or a photo put into an allowed
// field by mistake is dropped rather than uploaded.
import type { AlarmLevel } from '../alerts/alarms.ts';
import type { LoggedEvent } from '../store/event-log.ts';
import { HANDLE_STATES, projectAlarm } from './national-alarm.ts';
import { bodyDigest, type RedactedView, type UpstreamEvent } from './wire.ts';

type Leaf = 'id' | 'code' | 'int' | 'time' | 'bool';
/** A field shape: a leaf, an object of allowed fields, or an array of one shape. */
type Shape = Leaf | { readonly [field: string]: Shape } | readonly [Shape];

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

/** Console users and witnesses go up as a keyed pseudonym; devices, experts' pseudonyms and `system` as they are. */
type ActorRule = 'keep' | 'pseudonymise' | 'drop';

interface UploadRule {
  actor: ActorRule;
  /** Shape of the uploaded body, picked from the event's data… */
  data?: Shape;
  /** …or a derivation for events whose body is rebuilt (alarms, import reports). */
  derive?: (e: LoggedEvent) => Record<string, unknown>;
}

const device = { device: 'id', door: 'id' } as const;
const passageDecision = {
  ...device,
  requestId: 'id',
  grantId: 'id',
  direction: 'id',
  movement: 'id',
  personKind: 'id',
  reason: 'id',
} as const;
const sessionDefinition = {
  transactionCode: 'code',
  project: { code: 'code' },
  room: 'id',
  start: 'time',
  end: 'time',
  remote: { hostVenue: 'id', hostRoom: 'id' },
} as const;
const change = (s: Shape) => ({ from: s, to: s });
const zoneMove = {
  zone: 'id',
  zoneType: 'id',
  badge: 'id',
  person: 'id',
  enteredAt: 'time',
  leftAt: 'time',
  dwellMs: 'int',
  reason: 'id',
} as const;

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

/** The allow-list. A type not here goes up withheld. Review with the privacy officer before adding to it. */
export const UPLOAD_RULES: Readonly<Record<string, UploadRule>> = {
  'edge.started': { actor: 'keep', data: {} },
  'edge.stopped': { actor: 'keep', data: {} },
  'device.online': { actor: 'keep', data: { kind: 'id', reason: 'id' } },
  'device.offline': { actor: 'keep', data: { kind: 'id', reason: 'id', lastSeen: 'time' } },
  'device.firmware': { actor: 'keep', data: { firmware: 'code', previous: 'code' } },
  'device.unknown': { actor: 'drop', data: { suppressed: 'int' } },
  'device.malformed': { actor: 'keep', data: { suppressed: 'int' } },
  'bus.denied': { actor: 'drop', data: { suppressed: 'int' } },

  'sessions.imported': { actor: 'pseudonymise', derive: importReport },
  'session.scheduled': { actor: 'pseudonymise', data: { ...sessionDefinition, source: 'code' } },
  'session.updated': {
    actor: 'pseudonymise',
    data: {
      source: 'code',
      changes: {
        transactionCode: change('code'),
        project: change({ code: 'code' }),
        room: change('id'),
        start: change('time'),
        end: change('time'),
        remote: change({ hostVenue: 'id', hostRoom: 'id' }),
      },
    },
  },
  'session.experts-authorised': { actor: 'pseudonymise', data: { experts: [{ pseudonym: 'id', seat: 'id' }] } },
  'session.experts-revoked': { actor: 'pseudonymise', data: { pseudonyms: ['id'] } },
  'session.staff-assigned': { actor: 'pseudonymise', data: { staff: [{ id: 'id', role: 'id' }] } },
  'session.staff-removed': { actor: 'pseudonymise', data: { ids: ['id'] } },
  'session.state-changed': { actor: 'pseudonymise', data: { from: 'id', to: 'id' } },
  // A witness's decision on a late arrival; the note stays in the venue (free text).
  'session.late-arrival-decided': { actor: 'pseudonymise', data: { pseudonym: 'id', approved: 'bool' } },

  'checkin.accepted': {
    actor: 'keep',
    data: { pseudonym: 'id', seat: 'id', badge: 'id', locker: { bank: 'id', compartment: 'int' } },
  },
  'checkin.refused': { actor: 'keep', data: { pseudonym: 'id', reason: 'id' } },
  'checkin.released': { actor: 'pseudonymise', data: { pseudonym: 'id', badge: 'id', reason: 'id' } },

  'access.granted': { actor: 'keep', data: passageDecision },
  'access.denied': { actor: 'keep', data: passageDecision },
  'access.offline-decision': { actor: 'keep', data: { ...passageDecision, granted: 'bool', decidedAt: 'time' } },
  'access.passage': { actor: 'keep', data: { ...device, direction: 'id', count: 'int', unexpected: 'int' } },
  'access.door-alarm': { actor: 'keep', data: { ...device, type: 'id', mode: 'id' } },
  'access.fire-alarm': { actor: 'keep', data: { active: 'bool', detector: 'id' } },
  'access.mode-changed': { actor: 'pseudonymise', data: { mode: 'id' } },
  'access.reentry-approved': { actor: 'pseudonymise', data: { person: 'id' } },
  'access.roll-call': { actor: 'pseudonymise', data: { present: ['id'], absent: ['id'] } },
  'locker.deposit': { actor: 'keep', data: { bank: 'id', compartment: 'int', holder: 'id' } },
  'locker.retrieve': { actor: 'keep', data: { bank: 'id', compartment: 'int', holder: 'id' } },

  // Zone events only: raw positions (tracking.* trajectories) are not on this list.
  'tracking.zone-entered': { actor: 'keep', data: zoneMove },
  'tracking.zone-left': { actor: 'keep', data: zoneMove },
  'tracking.badge-assigned': { actor: 'pseudonymise', data: { badge: 'id', person: 'id', session: 'id' } },
  'tracking.badge-released': { actor: 'pseudonymise', data: { badge: 'id', reason: 'id' } },

  'alarm.raised': { actor: 'keep', derive: alarmRaised },
  'alarm.acknowledged': { actor: 'pseudonymise', derive: alarmHandled('acknowledged') },
  'alarm.resolved': { actor: 'pseudonymise', derive: alarmHandled('resolved') },

  'sync.downlink-accepted': {
    actor: 'keep',
    data: { seq: 'int', kind: 'id', created: ['id'], updated: ['id'], unchanged: ['id'], rejected: 'int' },
  },
  'sync.downlink-rejected': { actor: 'keep', data: { seq: 'int', kind: 'id', reason: 'id' } },
  'sync.rewound': { actor: 'keep', data: { from: 'int', to: 'int' } },
  'sync.enrolled': { actor: 'keep', data: { keyId: 'id' } },
  // The city learns that a loss was accepted and how large it was; the administrator's reason stays here.
  'record.loss-acknowledged': {
    actor: 'pseudonymise',
    data: { loss: 'id', eventsMissing: 'int', anchor: { size: 'int', source: 'id' }, log: { headSeq: 'int' } },
  },
};

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
