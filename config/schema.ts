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
  'stairwell',
  'lift-lobby',
]);
export type ZoneType = Static<typeof ZoneType>;

/**
 * Zone types that are small shared zones unless the zone says otherwise (`shared`): experts of different
 * sessions inside one together are in contact whatever the distance between them.
 */
export const SMALL_SHARED_ZONE_TYPES: readonly ZoneType[] = ['restroom', 'locker-area', 'stairwell', 'lift-lobby'];

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
    /**
     * `small`: experts of different sessions inside together are in contact whatever the distance (restroom,
     * locker area, stairwell, lift lobby are by default); `open`: only the distance rule applies.
     */
    shared: T.Optional(StringEnum(['small', 'open'])),
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

const Seconds = (description: string, maximum = 86_400) => T.Integer({ minimum: 1, maximum, description });

/** Zone types in which an expert away from their room may have a time limit (AwayLimits). */
export const AWAY_ZONE_TYPES = [
  'corridor',
  'dining',
  'restroom',
  'stairwell',
  'lift-lobby',
  'locker-area',
] as const satisfies readonly ZoneType[];
export type AwayZoneType = (typeof AWAY_ZONE_TYPES)[number];

const AwayLimit = (where: string) => T.Optional(Seconds(`longest stay ${where} while away from one's room`));

/** Zone types in which an expert may be away from their room, each with how long (seconds) at most. */
const AwayLimits = T.Object(
  {
    corridor: AwayLimit("in a corridor or the evaluation zone's open area"),
    dining: AwayLimit('in the dining area'),
    restroom: AwayLimit('in a restroom'),
    stairwell: AwayLimit('in a stairwell'),
    'lift-lobby': AwayLimit('in a lift lobby'),
    'locker-area': AwayLimit('in the locker area'),
  },
  { additionalProperties: false },
);

/** Tracking rules' defaults for this venue (the console may change them at run time); absent ones take the code's. */
export const TrackingSettings = T.Object(
  {
    /**
     * While their session is in progress, the longest an expert may stay in one zone of each type away from
     * their own room (the evaluation zone's open area counts as `corridor`). A type left out has no limit.
     */
    awayFromRoomS: T.Optional(AwayLimits),
    /** The longest an expert may be away from their room in all, per absence (the witness room is not away). */
    awayTotalS: T.Optional(Seconds('longest absence from the room in all')),
    /** Experts of different sessions together this long in a small shared zone raise cross-session-contact. */
    sharedContactS: T.Optional(Seconds('together this long in a small shared zone is contact', 600)),
    /** People counted at the zone's doors and badges present may disagree this long before it alarms. */
    populationGraceS: T.Optional(Seconds('how long a head-count mismatch may last', 3600)),
  },
  { additionalProperties: false },
);

/** What one device kind may send, where a venue's devices need more than the defaults (edge/bus/device-limits.ts). */
export const BusSettings = T.Object(
  {
    deviceLimits: T.Optional(
      T.Record(
        T.String({ pattern: '^[a-z][a-z-]{0,31}$' }),
        T.Object(
          {
            messagesPerSecond: T.Optional(T.Integer({ minimum: 1, maximum: 1_000_000 })),
            burst: T.Optional(T.Integer({ minimum: 1, maximum: 1_000_000 })),
          },
          { additionalProperties: false },
        ),
        { description: 'per device kind: sustained messages per second and burst' },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Device health settings. */
export const DeviceHealthSettings = T.Object(
  {
    /** After an edge start, devices that were online have this long to reconnect before they count as offline. */
    restartGraceS: T.Optional(Seconds('grace for devices to reconnect after an edge start', 3600)),
  },
  { additionalProperties: false },
);

/** Check-in settings; without them nothing raw is kept, no challenge is asked and no hardware verdict required. */
export const CheckinSettings = T.Object(
  {
    /**
     * An active challenge the kiosk prompts in Chinese and the edge checks from the landmarks across the frames:
     * `blink` (请眨眼) or `turn-head` (请缓慢转头). Default `off`.
     */
    challenge: T.Optional(StringEnum(['off', 'blink', 'turn-head'])),
    /** Refuse captures that do not carry a hardware liveness verdict (NIR or depth terminals). Default false. */
    requireHardwareLiveness: T.Optional(T.Boolean()),
    /** Limits per terminal; what a check-in request may carry is sized from them. */
    limits: T.Optional(
      T.Object(
        {
          /** Bytes of one decoded frame or chip photo (default 2 MiB). */
          frameBytes: T.Optional(T.Integer({ minimum: 65_536, maximum: 10 * 1024 * 1024 })),
          /** Frames in one attempt (default 5). */
          frames: T.Optional(T.Integer({ minimum: 2, maximum: 5 })),
          /** Check-in attempts a terminal may start per minute (default 20). */
          attemptsPerMinute: T.Optional(T.Integer({ minimum: 1, maximum: 600 })),
          /** Attempts of one terminal in progress at once (default 2). */
          concurrentAttempts: T.Optional(T.Integer({ minimum: 1, maximum: 16 })),
        },
        { additionalProperties: false },
      ),
    ),
    evidence: T.Optional(
      T.Object(
        {
          /** Keep the accepted check-in's first camera frame and chip photo (encrypted) as evidence. */
          keepCheckinPhoto: T.Boolean(),
          /** Days kept evidence lives before it is purged. */
          retentionDays: T.Integer({ minimum: 1, maximum: 3650 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Access and session-window rules (docs/sessions-access.md, "Rules"); each falls back to its default when absent. */
export const AccessSettings = T.Object(
  {
    /** Minutes after a session's start after which nobody checks in or enters without a witness (default 5). */
    lateEntryMin: T.Optional(T.Integer({ minimum: 1, maximum: 60 })),
    /** Minutes after check-in within which an expert must first open their room door (default 5). */
    entryWindowMin: T.Optional(T.Integer({ minimum: 1, maximum: 60 })),
    /** Seconds a granted passage waits for the door's passage report before it expires (default 8; the door opens 5). */
    grantExpiryS: T.Optional(T.Integer({ minimum: 5, maximum: 60 })),
    /** Seconds a pass request may be old (device clock against the edge's) before it is refused (default 5). */
    requestMaxAgeS: T.Optional(T.Integer({ minimum: 1, maximum: 60 })),
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
    /**
     * Algorithms: Ed25519 + SHA-256 + AES-256-GCM (default) or the 国密 suite `sm2-sm3`: SM3 hash chain and Merkle
     * tree, SM2 signatures on checkpoints and sync batches, SM4 for sealed data (docs/security.md).
     */
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
    access: T.Optional(AccessSettings),
    intercom: T.Optional(IntercomSettings),
    tracking: T.Optional(TrackingSettings),
    deviceHealth: T.Optional(DeviceHealthSettings),
    record: T.Optional(RecordSettings),
    bus: T.Optional(BusSettings),
  },
  { additionalProperties: false },
);

export type Venue = Static<typeof Venue>;
export type Zone = Static<typeof Zone>;
export type TrackingSettings = Static<typeof TrackingSettings>;
export type Door = Static<typeof Door>;
export type Device = Static<typeof Device>;
export type DeviceKind = Static<typeof DeviceKind>;
export type Camera = Static<typeof Camera>;
export type Point = Static<typeof Point>;
