import { Type as T } from '@sinclair/typebox';
import { type DeviceContract, event } from '../envelope.ts';

export const Position = T.Object(
  {
    badge: T.String({ minLength: 1, maxLength: 64 }),
    x: T.Number(),
    y: T.Number(),
    floor: T.String({ minLength: 1 }),
    accuracy: T.Number({ minimum: 0 }),
    battery: T.Optional(T.Integer({ minimum: 0, maximum: 100 })),
    at: T.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const rtlsContract: DeviceContract = {
  kind: 'rtls',
  description: 'UWB/BLE positioning engine: publishes badge positions computed from its anchors, batched',
  events: {
    positions: event({ positions: T.Array(Position, { minItems: 1, maxItems: 2000 }) }, 'a batch of badge positions'),
  },
  commands: {},
};
