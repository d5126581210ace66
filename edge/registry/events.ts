// Device health: online, offline (last will, missed heartbeats, announced), firmware changes.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable } from '../store/event-spec.ts';

export const registryEvents = defineEvents({
  'device.online': {
    description: 'a device came online',
    data: T.Object({ kind: T.String(), reason: T.String() }, { additionalProperties: false }),
    upstream: { actor: 'keep', body: { kind: 'id', reason: 'id' } },
  },
  'device.offline': {
    description: 'a device went offline, and why',
    data: T.Object(
      {
        kind: T.String(),
        reason: Literals([
          'last-will',
          'heartbeat-timeout',
          'announced',
          'camera-unreachable',
          'not-back-after-restart',
        ]),
        lastSeen: Nullable(T.Number()),
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'keep', body: { kind: 'id', reason: 'id', lastSeen: 'time' } },
  },
  'device.firmware': {
    description: 'a device reported another firmware version',
    data: T.Object({ firmware: T.String(), previous: Nullable(T.String()) }, { additionalProperties: false }),
    upstream: { actor: 'keep', body: { firmware: 'code', previous: 'code' } },
  },
});
