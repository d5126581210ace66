// What the device gateway refuses: messages from unknown devices, malformed payloads, ACL violations. At most
// one record per device (or user and topic) a minute, with a count of the rest.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Nullable } from '../store/event-spec.ts';

export const busEvents = defineEvents({
  'device.unknown': {
    description: 'a message came from a device id the venue file does not list',
    data: T.Object({ topic: T.String(), suppressed: T.Integer() }, { additionalProperties: false }),
    upstream: { actor: 'drop', body: { suppressed: 'int' } },
  },
  'device.malformed': {
    description: "a device's message did not match its contract or could not be recorded (the error names the field)",
    data: T.Object({ topic: T.String(), error: T.String(), suppressed: T.Integer() }, { additionalProperties: false }),
    upstream: { actor: 'keep', body: { suppressed: 'int' } },
  },
  'bus.denied': {
    description: 'the broker refused a client (credentials, topic outside its own, limits) and disconnected it',
    data: T.Object(
      { topic: Nullable(T.String()), reason: T.String(), suppressed: T.Integer() },
      { additionalProperties: false },
    ),
    upstream: { actor: 'drop', body: { suppressed: 'int' } },
  },
});
