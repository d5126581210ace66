// Notices pushed to room and hall boards, their delivery and acknowledgement. Notice text may name a room or a
// pseudonym, never a name (edge/displays/name-guard.ts); none of it goes upstream.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable } from '../store/event-spec.ts';

export const displayEvents = defineEvents({
  'display.notice': {
    description: 'a notice was sent to displays (template or free text, level)',
    data: T.Object(
      {
        noticeId: T.String(),
        displays: T.Array(T.String()),
        template: Nullable(
          Literals(['to-witness-room', 'to-witness-room-by-pseudonym', 'back-to-room', 'session-starting', 'break']),
        ),
        text: T.String(),
        level: Literals(['info', 'reminder']),
      },
      { additionalProperties: false },
    ),
  },
  'display.notice-delivered': {
    description: 'which displays took a notice and which did not (with the error)',
    data: T.Object(
      {
        noticeId: T.String(),
        delivered: T.Array(T.String()),
        undelivered: T.Array(T.Object({ display: T.String(), error: T.String() }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
  },
  'display.notice-acked': {
    description: 'a notice was acknowledged (on the display or the console)',
    data: T.Object({ noticeId: T.String(), via: T.String() }, { additionalProperties: false }),
  },
});
