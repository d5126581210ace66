// Badge tracking: zone entries and exits (tolerance and timeout applied), badge bindings, settings, head counts,
// views and purges of trajectories. Raw positions are not events (they live in tracking/trajectories.db);
// upstream are zone moves and bindings as ids only — never coordinates or trajectories.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable } from '../store/event-spec.ts';

const zoneMove = T.Object(
  {
    zone: T.String(),
    zoneType: T.String(),
    badge: T.String(),
    person: Nullable(T.String()),
    enteredAt: T.Number(),
    leftAt: T.Optional(Nullable(T.Number())),
    dwellMs: T.Optional(T.Number()),
    reason: T.Optional(Nullable(Literals(['moved', 'timeout']))),
  },
  { additionalProperties: false },
);
const zoneMoveUp = {
  zone: 'id',
  zoneType: 'id',
  badge: 'id',
  person: 'id',
  enteredAt: 'time',
  leftAt: 'time',
  dwellMs: 'int',
  reason: 'id',
} as const;

export const trackingEvents = defineEvents({
  'tracking.zone-entered': {
    description: 'a badge entered a zone',
    data: zoneMove,
    upstream: { actor: 'keep', body: zoneMoveUp },
  },
  'tracking.zone-left': {
    description: 'a badge left a zone (moved out, or not seen within the timeout)',
    data: zoneMove,
    upstream: { actor: 'keep', body: zoneMoveUp },
  },
  'tracking.badge-assigned': {
    description: 'a badge was bound to a person (expert or staff)',
    data: T.Object(
      { badge: T.String(), person: T.String(), role: Literals(['expert', 'staff']) },
      { additionalProperties: false },
    ),
    upstream: { actor: 'pseudonymise', body: { badge: 'id', person: 'id' } },
  },
  'tracking.badge-released': {
    description: "a badge's binding ended",
    data: T.Object({ badge: T.String(), reason: Nullable(T.String()) }, { additionalProperties: false }),
    upstream: { actor: 'pseudonymise', body: { badge: 'id', reason: 'id' } },
  },
  'tracking.configured': {
    description: 'tracking settings changed (each setting from → to)',
    data: T.Object(
      {
        changes: T.Record(
          T.String(),
          T.Object({ from: T.Unknown(), to: T.Unknown() }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  'tracking.population-recounted': {
    description: "a witness counted the people in a zone (the badges' count beside it)",
    data: T.Object(
      {
        zone: T.String(),
        counted: T.Integer(),
        previous: T.Integer(),
        badges: T.Integer(),
        note: Nullable(T.String()),
      },
      { additionalProperties: false },
    ),
  },
  'tracking.trajectory-viewed': {
    description: 'someone viewed a trajectory (audited: raw tracks are sensitive personal data)',
    data: T.Object(
      {
        badge: Nullable(T.String()),
        person: Nullable(T.String()),
        from: T.Number(),
        to: T.Number(),
        points: T.Integer(),
      },
      { additionalProperties: false },
    ),
  },
  'tracking.trajectories-purged': {
    description: 'trajectory points past retention were deleted',
    data: T.Object(
      { olderThan: T.Number(), points: T.Integer(), retentionDays: T.Number() },
      { additionalProperties: false },
    ),
  },
});
