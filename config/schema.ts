import { type Static, Type as T } from '@sinclair/typebox';
import { StringEnum } from './json-schema.ts';

const Id = T.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  description: 'lower-case id: letters, digits, dashes',
});
const Point = T.Tuple([T.Number(), T.Number()], { description: '[x, y] in metres on the floor plan' });

export const ZoneType = StringEnum([
  'public-hall',
  'evaluation-zone',
  'evaluation-room',
  'restroom',
  'locker-area',
  'witness-room',
  'corridor',
  'dining',
]);

export const Zone = T.Object(
  {
    id: Id,
    name: T.String({ minLength: 1 }),
    nameEn: T.Optional(T.String()),
    type: ZoneType,
    floor: Id,
    /** Rooms and restrooms inside the evaluation zone name it as parent. */
    parent: T.Optional(Id),
    polygon: T.Array(Point, { minItems: 3 }),
    seats: T.Optional(T.Array(T.Object({ id: Id, at: Point }, { additionalProperties: false }))),
  },
  { additionalProperties: false },
);

export const Door = T.Object(
  {
    id: Id,
    name: T.String({ minLength: 1 }),
    kind: StringEnum(['zone-door', 'room-door', 'speed-gate', 'exit']),
    floor: Id,
    /** Zone on the outside and the inside of the door; passing from → to is entering. */
    from: Id,
    to: Id,
    at: Point,
  },
  { additionalProperties: false },
);

export const DeviceKind = StringEnum([
  'face-terminal',
  'gate',
  'door',
  'locker',
  'rtls',
  'display',
  'intercom',
  'fire-panel',
]);

export const Device = T.Object(
  {
    id: Id,
    kind: DeviceKind,
    name: T.String({ minLength: 1 }),
    floor: Id,
    at: T.Optional(Point),
    zone: T.Optional(Id),
    /** Gates, door controllers and face terminals serve one door. */
    door: T.Optional(Id),
    /** Room boards and intercom stations serve one room; a hall board has none. */
    room: T.Optional(Id),
    /** Locker banks: how many compartments. */
    compartments: T.Optional(T.Integer({ minimum: 1, maximum: 500 })),
    /** Seconds between heartbeats; the device is offline after three are missed. */
    heartbeatS: T.Optional(T.Integer({ minimum: 1, maximum: 600 })),
  },
  { additionalProperties: false },
);

export const Camera = T.Object(
  {
    id: Id,
    name: T.String({ minLength: 1 }),
    floor: Id,
    zone: Id,
    at: T.Optional(Point),
    /** ONVIF device service address, e.g. http://10.1.2.30/onvif/device_service. */
    onvif: T.String({ minLength: 1 }),
    /** Data class decides retention: evaluation-room footage is locked to its session. */
    dataClass: StringEnum(['general', 'evaluation-room']),
  },
  { additionalProperties: false },
);

/** Expert intercom settings; each falls back to its default when absent. */
export const IntercomSettings = T.Object(
  {
    /** Witness consoles in escalation order (default console-1, console-2). */
    consoles: T.Optional(T.Array(Id, { minItems: 1, maxItems: 10, uniqueItems: true })),
    /** Seconds a call rings at one console before it escalates to the next (default 30). */
    ringTimeoutS: T.Optional(T.Integer({ minimum: 5, maximum: 600 })),
    /** Seconds without audio from a station after which its call ends (default 3). */
    mediaSilenceS: T.Optional(T.Integer({ minimum: 1, maximum: 60 })),
    /** The edge's IPv4 address on the venue LAN: stations send RTP to it, console pages reach it (default 127.0.0.1). */
    mediaHost: T.Optional(
      T.String({ pattern: '^(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}$' }),
    ),
  },
  { additionalProperties: false },
);

/** Check-in settings; without them nothing raw is kept. */
export const CheckinSettings = T.Object(
  {
    evidence: T.Object(
      {
        /** Keep the accepted check-in's first camera frame and chip photo (encrypted) as evidence. */
        keepCheckinPhoto: T.Boolean(),
        /** Days kept evidence lives before it is purged. */
        retentionDays: T.Integer({ minimum: 1, maximum: 3650 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** The record's signed checkpoints (docs/record.md); each falls back to its default when absent. */
export const RecordSettings = T.Object(
  {
    /** Sign a checkpoint after this many events (default 10000). */
    checkpointEveryEvents: T.Optional(T.Integer({ minimum: 1, maximum: 10_000_000 })),
    /** …or after this many seconds with new events (default 60). */
    checkpointEverySeconds: T.Optional(T.Integer({ minimum: 1, maximum: 86_400 })),
    /** Checkpoint algorithms: Ed25519 + SHA-256 (default) or the 国密 suite, SM2 signatures over an SM3 tree. */
    suite: T.Optional(StringEnum(['ed25519-sha256', 'sm2-sm3'])),
    /** Where checkpoints.jsonl and receipts.jsonl live (default the venue's data directory), e.g. a WORM mount. */
    anchorDir: T.Optional(T.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const Venue = T.Object(
  {
    id: Id,
    name: T.String({ minLength: 1 }),
    nameEn: T.String({ minLength: 1 }),
    role: StringEnum(['city', 'county']),
    timezone: T.Literal('Asia/Shanghai'),
    floors: T.Array(
      T.Object(
        {
          id: Id,
          name: T.String(),
          level: T.Integer(),
          width: T.Number({ exclusiveMinimum: 0 }),
          height: T.Number({ exclusiveMinimum: 0 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    zones: T.Array(Zone, { minItems: 1 }),
    doors: T.Array(Door),
    devices: T.Array(Device),
    cameras: T.Array(Camera),
    badges: T.Object(
      { prefix: T.String({ pattern: '^[a-z0-9-]+$' }), count: T.Integer({ minimum: 0, maximum: 10000 }) },
      { additionalProperties: false },
    ),
    checkin: T.Optional(CheckinSettings),
    intercom: T.Optional(IntercomSettings),
    record: T.Optional(RecordSettings),
  },
  { additionalProperties: false },
);

export type Venue = Static<typeof Venue>;
export type Zone = Static<typeof Zone>;
export type Door = Static<typeof Door>;
export type Device = Static<typeof Device>;
export type DeviceKind = Static<typeof DeviceKind>;
export type Camera = Static<typeof Camera>;
export type Point = Static<typeof Point>;
