// The events the access module records: gate and door decisions, passages, door and fire alarms, lockers, the
// witness's decisions. Upstream: decisions and passages as ids only — never the credential's value.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable } from '../store/event-spec.ts';

const Direction = Literals(['in', 'out']);
const Credential = T.Object(
  { type: Literals(['face', 'id-card', 'badge', 'staff-card']), value: T.String() },
  { additionalProperties: false },
);
/** Where the person is after passing, and what that changes (access-store.ts's PassageData). */
const passage = {
  person: Nullable(T.String()),
  session: Nullable(T.String()),
  /** `outside`, `zone` or `room:<id>`. */
  location: T.String(),
  leftDuringEvaluation: T.Optional(T.Boolean()),
  reentryConsumed: T.Optional(T.Boolean()),
  roomEntry: T.Optional(T.Boolean()),
};
const decision = {
  device: T.String(),
  door: Nullable(T.String()),
  requestId: T.String(),
  direction: Direction,
  movement: Nullable(Literals(['zone-entry', 'zone-exit', 'room-entry', 'room-exit', 'inside', 'outside'])),
  credential: Credential,
  personKind: Literals(['expert', 'staff', 'off-duty', 'visitor']),
  ...passage,
};
const passDecision = T.Object(
  { ...decision, grantId: Nullable(T.String()), reason: T.String(), reasonZh: T.String() },
  { additionalProperties: false },
);
const lockerData = T.Object(
  { bank: T.String(), compartment: T.Integer(), holder: T.String() },
  { additionalProperties: false },
);

const device = { device: 'id', door: 'id' } as const;
const passageUp = {
  ...device,
  requestId: 'id',
  grantId: 'id',
  direction: 'id',
  movement: 'id',
  personKind: 'id',
  reason: 'id',
} as const;

export const accessEvents = defineEvents({
  'access.granted': {
    description: 'a gate or door let a credential pass (the rule that granted it in `reason`)',
    data: passDecision,
    upstream: { actor: 'keep', body: passageUp },
  },
  'access.denied': {
    description: 'a gate or door refused a credential (the rule that refused it in `reason`)',
    data: passDecision,
    upstream: { actor: 'keep', body: passageUp },
  },
  'access.offline-decision': {
    description: 'a decision a device took from its allow-list while the edge was unreachable, checked once back',
    data: T.Object(
      {
        ...decision,
        granted: T.Boolean(),
        decidedAt: T.Number(),
        allowListVersion: T.Number(),
        knownList: T.Boolean(),
        consistent: T.Boolean(),
      },
      { additionalProperties: false },
    ),
    upstream: {
      actor: 'keep',
      body: {
        ...device,
        requestId: 'id',
        direction: 'id',
        movement: 'id',
        personKind: 'id',
        granted: 'bool',
        decidedAt: 'time',
      },
    },
  },
  'access.passage': {
    description: 'people passed a door (sensor count); more than were granted is tailgating',
    data: T.Object(
      {
        device: T.String(),
        door: Nullable(T.String()),
        direction: Direction,
        count: T.Integer(),
        grantId: Nullable(T.String()),
        unexpected: T.Integer(),
        ...T.Partial(T.Object(passage)).properties,
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'keep', body: { ...device, direction: 'id', count: 'int', unexpected: 'int' } },
  },
  'access.door-alarm': {
    description: 'a door reported forced open, held open or tailgating',
    data: T.Object(
      {
        device: T.String(),
        door: Nullable(T.String()),
        type: Literals(['forced-open', 'held-open', 'tailgating']),
        mode: Literals(['normal', 'fire-open']),
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'keep', body: { ...device, type: 'id', mode: 'id' } },
  },
  'access.fire-alarm': {
    description: 'the fire panel raised or cleared a fire alarm',
    data: T.Object({ active: T.Boolean(), detector: Nullable(T.String()) }, { additionalProperties: false }),
    upstream: { actor: 'keep', body: { active: 'bool', detector: 'id' } },
  },
  'access.mode-changed': {
    description: 'the doors went to fire-open (fire alarm) or back to normal (an operator)',
    data: T.Object(
      {
        mode: Literals(['normal', 'fire-open']),
        reason: Nullable(T.String()),
        /** Sessions whose experts re-enter only after a witness's roll call. */
        rollCallDue: T.Optional(T.Array(T.String())),
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'pseudonymise', body: { mode: 'id' } },
  },
  'access.settings-changed': {
    description: "an administrator changed the venue's access settings",
    data: T.Object({ entryWindowMs: T.Optional(T.Integer()) }, { additionalProperties: false }),
  },
  'access.allow-list-pushed': {
    description: 'a gate or door was sent the allow-list it decides from while the edge is unreachable',
    data: T.Object(
      { device: T.String(), version: T.Integer(), expiresAt: T.Number(), entries: T.Integer(), hash: T.String() },
      { additionalProperties: false },
    ),
  },
  'access.reentry-approved': {
    description: 'a witness let a person who left the zone during evaluation back in',
    data: T.Object({ person: T.String(), note: Nullable(T.String()) }, { additionalProperties: false }),
    upstream: { actor: 'pseudonymise', body: { person: 'id' } },
  },
  'access.roll-call': {
    description: "a witness's roll call after a fire evacuation",
    data: T.Object(
      { present: T.Array(T.String()), absent: T.Array(T.String()), note: Nullable(T.String()) },
      { additionalProperties: false },
    ),
    upstream: { actor: 'pseudonymise', body: { present: ['id'], absent: ['id'] } },
  },
  'access.staff-enrolled': {
    description: 'a staff member was given access hours (days, minutes of the day, rooms)',
    data: T.Object(
      {
        role: T.String(),
        days: T.Array(T.Integer()),
        fromMin: T.Integer(),
        toMin: T.Integer(),
        allRooms: T.Boolean(),
      },
      { additionalProperties: false },
    ),
  },
  'access.staff-removed': {
    description: "a staff member's access hours were removed",
    data: T.Object({}, { additionalProperties: false }),
  },
  'locker.deposit': {
    description: 'a phone was deposited in a locker compartment',
    data: lockerData,
    upstream: { actor: 'keep', body: { bank: 'id', compartment: 'int', holder: 'id' } },
  },
  'locker.retrieve': {
    description: 'a locker compartment was emptied',
    data: lockerData,
    upstream: { actor: 'keep', body: { bank: 'id', compartment: 'int', holder: 'id' } },
  },
});
