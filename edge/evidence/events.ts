import { Type as T } from '@sinclair/typebox';
import { defineEvents } from '../store/event-spec.ts';

export const evidenceEvents = defineEvents({
  'evidence.exported': {
    description: "a session's evidence package was exported (its digest and what it holds)",
    data: T.Object(
      { sha256: T.String(), bytes: T.Integer(), events: T.Integer(), footage: T.Integer(), calls: T.Integer() },
      { additionalProperties: false },
    ),
  },
});
