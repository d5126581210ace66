// 远程异地评标 at the guest venue: which host venue was shown a room live or called its station through the city
// hub, on which grant, and every grant refused. None goes upstream with its body (the hub relayed it anyway).
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable } from '../store/event-spec.ts';

const strict = { additionalProperties: false } as const;
const Kind = Literals(['remote-live', 'remote-call']);

export const remoteMediaEvents = defineEvents({
  'remote.media-supplied': {
    description:
      "a hub-signed grant was honoured: this room's camera streams (remote-live), or its station is called (remote-call), to the host venue through the hub",
    data: T.Object(
      { kind: Kind, relay: T.String(), host: T.String(), session: T.String(), device: T.String() },
      strict,
    ),
  },
  'remote.media-ended': {
    description: 'a relayed stream or call ended: units sent, and skipped because the link was slow',
    data: T.Object(
      {
        kind: Kind,
        relay: T.String(),
        device: T.String(),
        reason: T.String(),
        sent: T.Integer(),
        skipped: T.Integer(),
      },
      strict,
    ),
  },
  'remote.media-refused': {
    description:
      'a request to show a room to, or call it from, another venue was refused (forged, expired, not that session)',
    data: T.Object(
      {
        kind: Nullable(Kind),
        relay: Nullable(T.String()),
        host: Nullable(T.String()),
        session: Nullable(T.String()),
        reason: T.String(),
      },
      strict,
    ),
  },
});
