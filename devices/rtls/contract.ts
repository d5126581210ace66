import { Type as T } from '@sinclair/typebox';
import { type DeviceContract, event, Millis, WireId } from '../envelope.ts';

/** Metres from the floor plan's origin: a kilometre either way covers any venue. */
const Metres = T.Number({ minimum: -1000, maximum: 1000 });

export const Position = T.Object(
  {
    badge: WireId(),
    x: Metres,
    y: Metres,
    floor: WireId(),
    accuracy: T.Number({ minimum: 0, maximum: 1000 }),
    battery: T.Optional(T.Integer({ minimum: 0, maximum: 100 })),
    at: Millis,
  },
  { additionalProperties: false },
);

export const rtlsContract = {
  kind: 'rtls',
  description: 'UWB/BLE positioning engine: publishes badge positions computed from its anchors, batched',
  events: {
    positions: event({ positions: T.Array(Position, { minItems: 1, maxItems: 2000 }) }, 'a batch of badge positions'),
  },
  commands: {},
} satisfies DeviceContract;
