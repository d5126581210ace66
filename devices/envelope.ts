import { Type as T, type TSchema } from '@sinclair/typebox';

/** Milliseconds since the epoch, as every device clock reports time. */
export const Millis = T.Integer({ minimum: 0, description: 'milliseconds since the epoch' });

/** Retained on .../status. The device's last will is `{online:false}`; a clean shutdown adds reason "shutdown". */
export const Status = T.Object(
  { online: T.Boolean(), at: T.Optional(Millis), reason: T.Optional(T.Literal('shutdown')) },
  { additionalProperties: false },
);

export const Heartbeat = T.Object(
  {
    at: Millis,
    firmware: T.String({ minLength: 1, maxLength: 64 }),
    uptimeS: T.Optional(T.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** The device's answer to a command, naming the command's id. */
export const Ack = T.Object(
  {
    id: T.String({ minLength: 1, maxLength: 64 }),
    ok: T.Boolean(),
    error: T.Optional(T.String({ maxLength: 500 })),
    at: Millis,
  },
  { additionalProperties: false },
);

/** Every command carries an id that the device's ack names. */
export function command<P extends Record<string, TSchema>>(properties: P, description: string) {
  return T.Object(
    { id: T.String({ minLength: 1, maxLength: 64 }), at: Millis, ...properties },
    { additionalProperties: false, description },
  );
}

export function event<P extends Record<string, TSchema>>(properties: P, description: string) {
  return T.Object({ at: Millis, ...properties }, { additionalProperties: false, description });
}

/** What one device kind says on the wire. Drivers translate it; they hold no rules. */
export interface DeviceContract {
  kind: string;
  description: string;
  state?: TSchema;
  events: Record<string, TSchema>;
  commands: Record<string, TSchema>;
}
