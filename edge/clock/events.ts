import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable } from '../store/event-spec.ts';

export const clockEvents = defineEvents({
  'clock.checked': {
    description: "the system clock's synchronisation was checked (source, offset, verdict)",
    data: T.Object(
      {
        verdict: Literals(['ok', 'drift', 'unsynchronised', 'unknown']),
        source: Literals(['chrony', 'timesyncd', 'none']),
        synchronised: T.Boolean(),
        offsetMs: Nullable(T.Number()),
      },
      { additionalProperties: false },
    ),
  },
  'clock.jumped': {
    description: 'the wall clock jumped against the monotonic clock (by ms, signed)',
    data: T.Object({ byMs: T.Number() }, { additionalProperties: false }),
  },
});
