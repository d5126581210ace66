import { Type as T, type TSchema } from '@sinclair/typebox';

/**
 * Bounds of every device field. A number needs a maximum: JSON.parse reads `1e999` as Infinity, which passes
 * `type: integer` and `minimum`, so only a maximum refuses it.
 */
export const WIRE_LIMITS = {
  /** 2100-01-01 (ms): the latest time a device may report. Device clocks may be unset, so 0 is the earliest. */
  maxMillis: 4_102_444_800_000,
  /** Versions and counters that grow for ever stay exact integers. */
  maxCounter: Number.MAX_SAFE_INTEGER,
  /** A venue file's ids, message ids and pseudonyms fit in 64 characters; card numbers in 128. */
  idLength: 64,
} as const;

/** Milliseconds since the epoch, as every device clock reports time. */
export const Millis = T.Integer({
  minimum: 0,
  maximum: WIRE_LIMITS.maxMillis,
  description: 'milliseconds since the epoch',
});

/** A version or counter: a non-negative safe integer. */
export const Counter = T.Integer({ minimum: 0, maximum: WIRE_LIMITS.maxCounter });

/**
 * An id on the wire (message, request, call, badge, person, room): letters of any script, digits and `. _ : -`,
 * starting with a letter or digit — no spaces, control characters or MQTT wildcards.
 */
export const WireId = (options: { maxLength?: number; description?: string } = {}) =>
  T.String({
    minLength: 1,
    maxLength: options.maxLength ?? WIRE_LIMITS.idLength,
    pattern: '^[\\p{L}\\p{N}][\\p{L}\\p{N}._:-]*$',
    ...(options.description ? { description: options.description } : {}),
  });

/** Retained on .../status. The device's last will is `{online:false}`; a clean shutdown adds reason "shutdown". */
export const Status = T.Object(
  { online: T.Boolean(), at: T.Optional(Millis), reason: T.Optional(T.Literal('shutdown')) },
  { additionalProperties: false },
);

export const Heartbeat = T.Object(
  {
    at: Millis,
    firmware: T.String({ minLength: 1, maxLength: 64 }),
    uptimeS: T.Optional(T.Integer({ minimum: 0, maximum: 3_153_600_000 })), // 100 years
  },
  { additionalProperties: false },
);

/** The device's answer to a command, naming the command's id. */
export const Ack = T.Object(
  {
    id: WireId(),
    ok: T.Boolean(),
    error: T.Optional(T.String({ maxLength: 500 })),
    at: Millis,
  },
  { additionalProperties: false },
);

/** Every command carries an id that the device's ack names. */
export function command<P extends Record<string, TSchema>>(properties: P, description: string) {
  return T.Object({ id: WireId(), at: Millis, ...properties }, { additionalProperties: false, description });
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
