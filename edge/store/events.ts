// The record's own events: the edge starting and stopping, and an administrator accepting a loss of record.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable } from './event-spec.ts';

export const recordEvents = defineEvents({
  'edge.started': {
    description: 'the venue edge started (its bus and HTTP addresses)',
    data: T.Object({ bus: T.String(), http: T.String() }, { additionalProperties: false }),
    upstream: { actor: 'keep', body: {} },
  },
  'edge.stopped': {
    description: 'the venue edge stopped cleanly (the shutdown checkpoint covers this event)',
    data: T.Object({}, { additionalProperties: false }),
    upstream: { actor: 'keep', body: {} },
  },
  'record.loss-acknowledged': {
    description: 'an administrator accepted that the log is behind or disagrees with its last signed anchor',
    data: T.Object(
      {
        reason: T.String(),
        loss: Literals(['behind', 'disagrees']),
        anchor: T.Object(
          { size: T.Integer(), headHash: T.String(), source: T.String() },
          { additionalProperties: false },
        ),
        log: T.Object({ headSeq: T.Integer(), hashAtAnchor: Nullable(T.String()) }, { additionalProperties: false }),
        eventsMissing: Nullable(T.Integer()),
      },
      { additionalProperties: false },
    ),
    // The city learns that a loss was accepted and how large it was; the administrator's reason stays here.
    upstream: {
      actor: 'pseudonymise',
      body: { loss: 'id', eventsMissing: 'int', anchor: { size: 'int', source: 'id' }, log: { headSeq: 'int' } },
    },
  },
});
