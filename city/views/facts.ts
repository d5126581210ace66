// The city's own allow-list, deny by default: of what a venue uploads, the views read only these event types and,
// in each, only these fields in the form they should have (ids, codes, integers, times). Whatever else a venue
// sends — a name in an id field, a photo in a body, a track — is never read, so no answer can carry it. The
// venue's projection (edge/sync/upstream-projection.ts) already withholds such data; this is the second wall.
import { isAlarmKind } from '../../edge/alerts/alarm-kinds.ts';
import { SESSION_STATES } from '../../edge/sessions/model.ts';
import { pick } from '../../edge/sync/upstream-projection.ts';
import type { UpstreamEvent } from '../../edge/sync/wire.ts';
import { type AlarmLevel, UNKNOWN_ALARM_KIND } from './types.ts';

export type CityFact =
  | { kind: 'device'; device: string; deviceKind: string | null; online: boolean; reason: string | null }
  | {
      kind: 'session-defined';
      session: string;
      transactionCode?: string;
      projectCode?: string;
      room?: string;
      start?: number;
      end?: number;
      remote?: { hostVenue: string; hostRoom: string | null } | null;
    }
  | { kind: 'session-state'; session: string; state: string }
  | { kind: 'experts'; session: string; authorised: string[]; revoked: string[] }
  | { kind: 'checked-in'; session: string; pseudonym: string }
  | {
      kind: 'alarm-raised';
      alarmId: string;
      alarmKind: string;
      level: AlarmLevel;
      place: string | null;
      session: string | null;
    }
  | { kind: 'alarm-handled'; alarmId: string; state: 'acknowledged' | 'resolved' }
  | { kind: 'edge'; running: boolean };

type Picked = Record<string, unknown>;
const id = (value: unknown): string | null => (pick('id', value) as string | undefined) ?? null;
const ids = (value: unknown): string[] => (pick(['id'], value) as string[] | undefined) ?? [];
const body = (e: UpstreamEvent, shape: Parameters<typeof pick>[0]): Picked =>
  (pick(shape, e.body ?? {}) as Picked | undefined) ?? {};

const LEVELS: Record<string, AlarmLevel> = { '1': 1, '2': 2, '3': 3 };
const HANDLED: Record<string, 'acknowledged' | 'resolved'> = { '1': 'acknowledged', '2': 'resolved' };
/** 报警内容 ends with the place in full-width brackets (edge/sync/national-alarm.ts); only an id is taken from it. */
const PLACE_IN_CONTENT = /（([^（）]+)）$/;

function sessionDefinition(session: string, d: Picked): CityFact {
  const project = d.project as Picked | undefined;
  const remote = d.remote as Picked | null | undefined;
  return {
    kind: 'session-defined',
    session,
    ...(typeof d.transactionCode === 'string' && { transactionCode: d.transactionCode }),
    ...(typeof project?.code === 'string' && { projectCode: project.code }),
    ...(typeof d.room === 'string' && { room: d.room }),
    ...(typeof d.start === 'number' && { start: d.start }),
    ...(typeof d.end === 'number' && { end: d.end }),
    ...(remote === null && { remote: null }),
    ...(typeof remote?.hostVenue === 'string' && {
      remote: { hostVenue: remote.hostVenue, hostRoom: (remote.hostRoom as string | undefined) ?? null },
    }),
  };
}

/**
 * The session definition fields the city reads. The venue's upload rule (edge/sessions/events.ts) lists the same
 * fields today; this list is the city's own on purpose, so widening what venues send widens nothing here.
 */
const definitionShape = {
  transactionCode: 'code',
  project: { code: 'code' },
  room: 'id',
  start: 'time',
  end: 'time',
  remote: { hostVenue: 'id', hostRoom: 'id' },
} as const;

/** A definition change as uploaded (field → {from, to}): only the new value is read. */
const updateShape = {
  changes: Object.fromEntries(Object.entries(definitionShape).map(([field, shape]) => [field, { to: shape }])),
};

/** Each admitted type and how its fact is read; every other type is ignored. */
const READERS: Record<string, (e: UpstreamEvent) => CityFact | null> = {
  'device.online': (e) => device(e, true),
  'device.offline': (e) => device(e, false),
  'session.scheduled': (e) => withSession(e, (s) => sessionDefinition(s, body(e, definitionShape))),
  'session.updated': (e) =>
    withSession(e, (s) => {
      const changes = body(e, updateShape).changes as Record<string, { to?: unknown }> | undefined;
      return sessionDefinition(
        s,
        Object.fromEntries(Object.entries(changes ?? {}).flatMap(([k, c]) => ('to' in c ? [[k, c.to]] : []))),
      );
    }),
  'session.state-changed': (e) =>
    withSession(e, (s) => {
      const to = id(e.body?.to);
      return to && (SESSION_STATES as readonly string[]).includes(to)
        ? { kind: 'session-state', session: s, state: to }
        : null;
    }),
  'session.experts-authorised': (e) =>
    withSession(e, (s) => {
      const experts = body(e, { experts: [{ pseudonym: 'id' }] }).experts as { pseudonym?: string }[] | undefined;
      const authorised = (experts ?? []).flatMap((x) => (x.pseudonym ? [x.pseudonym] : []));
      return { kind: 'experts', session: s, authorised, revoked: [] };
    }),
  'session.experts-revoked': (e) =>
    withSession(e, (s) => ({ kind: 'experts', session: s, authorised: [], revoked: ids(e.body?.pseudonyms) })),
  'checkin.accepted': (e) =>
    withSession(e, (s) => {
      const pseudonym = id(e.body?.pseudonym);
      return pseudonym ? { kind: 'checked-in', session: s, pseudonym } : null;
    }),
  'alarm.raised': (e) => {
    const a = body(e, { projectAlarm: { alarmCode: 'id', alarmKind: 'id', alarmLevel: 'code' } }).projectAlarm as
      | Picked
      | undefined;
    const level = LEVELS[String(a?.alarmLevel)];
    if (typeof a?.alarmCode !== 'string' || typeof a.alarmKind !== 'string' || !level) return null;
    const content = (e.body?.projectAlarm as Picked | undefined)?.alarmContent;
    const place = typeof content === 'string' ? id(PLACE_IN_CONTENT.exec(content)?.[1]) : null;
    // A kind this hub does not know (a newer edge) is shown as one, not as the text the venue sent.
    const alarmKind = isAlarmKind(a.alarmKind) ? a.alarmKind : UNKNOWN_ALARM_KIND;
    return { kind: 'alarm-raised', alarmId: a.alarmCode, alarmKind, level, place, session: id(e.session) };
  },
  'alarm.acknowledged': (e) => alarmHandled(e),
  'alarm.resolved': (e) => alarmHandled(e),
  'edge.started': () => ({ kind: 'edge', running: true }),
  'edge.stopped': () => ({ kind: 'edge', running: false }),
};

function device(e: UpstreamEvent, online: boolean): CityFact | null {
  const device = id(e.subject);
  if (!device) return null;
  const d = body(e, { kind: 'id', reason: 'id' });
  return {
    kind: 'device',
    device,
    deviceKind: (d.kind as string | undefined) ?? null,
    online,
    reason: online ? null : ((d.reason as string | undefined) ?? null),
  };
}

function withSession(e: UpstreamEvent, read: (session: string) => CityFact | null): CityFact | null {
  const session = id(e.session);
  return session ? read(session) : null;
}

function alarmHandled(e: UpstreamEvent): CityFact | null {
  const alarmId = id(e.body?.alarmId);
  const state = HANDLED[String(e.body?.handleState)];
  return alarmId && state ? { kind: 'alarm-handled', alarmId, state } : null;
}

/** What the city reads of one uploaded event, or null: a type not admitted, or its fields not in form. */
export function readFact(e: UpstreamEvent): CityFact | null {
  const reader = Object.hasOwn(READERS, e.type) ? READERS[e.type] : undefined;
  return reader ? reader(e) : null;
}
