// Evaluation sessions (评标活动): schedules imported from the platform or a file, experts and staff authorised,
// state changes, witnesses' decisions on late arrivals. Upstream without the project's name (the platform
// issued the schedule) and without notes.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable, type UpstreamShape } from '../store/event-spec.ts';
import { SESSION_STATES } from './model.ts';

const State = Literals(SESSION_STATES);
/** Seated here for a host elsewhere, or hosted here with guest rooms elsewhere (edge/sessions/model.ts). */
const Remote = Nullable(
  T.Union([
    T.Object({ hostVenue: T.String(), hostRoom: Nullable(T.String()) }, { additionalProperties: false }),
    T.Object(
      { guests: T.Array(T.Object({ venue: T.String(), room: T.String() }, { additionalProperties: false })) },
      { additionalProperties: false },
    ),
  ]),
);
const definition = {
  transactionCode: 'code',
  project: { code: 'code' },
  room: 'id',
  start: 'time',
  end: 'time',
  remote: { hostVenue: 'id', hostRoom: 'id', guests: [{ venue: 'id', room: 'id' }] },
} as const;
const change = <const S extends UpstreamShape>(s: S) => ({ from: s, to: s });
const ids = T.Array(T.String());

export const sessionEvents = defineEvents({
  'sessions.imported': {
    description: 'a schedule was imported (file, console or platform): the sessions created, updated, refused',
    data: T.Object(
      {
        source: T.String(),
        created: ids,
        updated: ids,
        unchanged: ids,
        rejected: T.Array(
          T.Object(
            { index: T.Integer(), id: Nullable(T.String()), error: T.String() },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'pseudonymise', derive: 'import-report' },
  },
  'session.scheduled': {
    description: 'a session was scheduled: transaction code, project, room, time window, remote host',
    data: T.Object(
      {
        source: T.String(),
        transactionCode: T.String(),
        project: T.Object({ code: T.String(), name: T.String() }, { additionalProperties: false }),
        room: T.String(),
        start: T.Number(),
        end: T.Number(),
        remote: Remote,
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'pseudonymise', body: { ...definition, source: 'code' } },
  },
  'session.updated': {
    description: "a session's definition changed (each field from → to)",
    data: T.Object(
      {
        changes: T.Record(
          T.String(),
          T.Object({ from: T.Unknown(), to: T.Unknown() }, { additionalProperties: false }),
        ),
        source: T.String(),
      },
      { additionalProperties: false },
    ),
    upstream: {
      actor: 'pseudonymise',
      body: {
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
  },
  'session.experts-authorised': {
    description: 'experts (pseudonyms, seats) were authorised for a session',
    data: T.Object(
      {
        experts: T.Array(
          T.Object({ pseudonym: T.String(), seat: Nullable(T.String()) }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'pseudonymise', body: { experts: [{ pseudonym: 'id', seat: 'id' }] } },
  },
  'session.experts-revoked': {
    description: "experts' authorisations were withdrawn (a re-draw)",
    data: T.Object({ pseudonyms: ids }, { additionalProperties: false }),
    upstream: { actor: 'pseudonymise', body: { pseudonyms: ['id'] } },
  },
  'session.staff-assigned': {
    description: 'staff, witnesses, supervisors or agents were assigned to a session',
    data: T.Object(
      {
        staff: T.Array(
          T.Object(
            { id: T.String(), role: Literals(['staff', 'witness', 'supervisor', 'agent']) },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'pseudonymise', body: { staff: [{ id: 'id', role: 'id' }] } },
  },
  'session.staff-removed': {
    description: 'staff were removed from a session',
    data: T.Object({ ids }, { additionalProperties: false }),
    upstream: { actor: 'pseudonymise', body: { ids: ['id'] } },
  },
  'session.state-changed': {
    description: 'a session moved from one state to another (and why)',
    data: T.Object({ from: State, to: State, reason: Nullable(T.String()) }, { additionalProperties: false }),
    upstream: { actor: 'pseudonymise', body: { from: 'id', to: 'id' } },
  },
  'session.late-arrival-decided': {
    description: "a witness's decision on an expert arriving after the entry window (the note stays here)",
    data: T.Object(
      { pseudonym: T.String(), approved: T.Boolean(), note: Nullable(T.String()) },
      { additionalProperties: false },
    ),
    upstream: { actor: 'pseudonymise', body: { pseudonym: 'id', approved: 'bool' } },
  },
});
