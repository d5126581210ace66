// Remote sessions (远程异地评标) at the host venue: when the host could not see a guest room, and how much it caught
// up afterwards. The guest rooms' own facts stay in the guest venues' records (and their evidence parts).
import { Type as T } from '@sinclair/typebox';
import { defineEvents } from '../store/event-spec.ts';

export const remoteEvents = defineEvents({
  'remote.guest-gap': {
    description:
      "the host could not see a guest room of a remote session from → to (link down), then caught up with the guest venue's events",
    data: T.Object(
      { venue: T.String(), room: T.String(), from: T.Integer(), to: T.Integer(), caughtUp: T.Integer() },
      { additionalProperties: false },
    ),
    upstream: { actor: 'keep', body: { venue: 'id', room: 'id', from: 'time', to: 'time', caughtUp: 'int' } },
  },
});
