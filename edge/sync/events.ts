// The uplink and downlink to the city platform: enrolment, accepted and refused downlink messages, a rewind
// of the outbox when the platform holds less (or more) than we thought.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable } from '../store/event-spec.ts';

const ids = T.Array(T.String());

export const syncEvents = defineEvents({
  'sync.enrolled': {
    description: "the venue's sync key was registered with the platform",
    data: T.Object({ keyId: T.String() }, { additionalProperties: false }),
    upstream: { actor: 'keep', body: { keyId: 'id' } },
  },
  'sync.downlink-accepted': {
    description: 'a signed downlink message (a schedule) was accepted and imported',
    data: T.Object(
      {
        seq: T.Integer(),
        kind: Literals(['schedule']),
        via: Literals(['push', 'pull', 'mqtt', 'link']),
        created: ids,
        updated: ids,
        unchanged: ids,
        rejected: T.Integer(),
      },
      { additionalProperties: false },
    ),
    upstream: {
      actor: 'keep',
      body: { seq: 'int', kind: 'id', created: ['id'], updated: ['id'], unchanged: ['id'], rejected: 'int' },
    },
  },
  'sync.downlink-rejected': {
    description: 'a downlink message was refused (invalid, misaddressed, unsigned, bad signature)',
    data: T.Object(
      {
        seq: Nullable(T.Integer()),
        reason: Literals(['invalid', 'wrong-venue', 'no-platform-key', 'bad-signature']),
        error: T.String(),
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'keep', body: { seq: 'int', reason: 'id' } },
  },
  'sync.rewound': {
    description: "the outbox's acknowledged position moved back to where the platform is",
    data: T.Object({ from: T.Integer(), to: T.Integer() }, { additionalProperties: false }),
    upstream: { actor: 'keep', body: { from: 'int', to: 'int' } },
  },
});
