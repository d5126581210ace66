import { type Static, Type as T } from '@sinclair/typebox';
import { AWAY_ZONE_TYPES, type AwayZoneType, type TrackingSettings, type Venue } from '../../config/schema.ts';

const Ms = (description: string, minimum = 0) => T.Integer({ minimum, maximum: 86_400_000, description });
const Metres = (description: string) => T.Number({ minimum: 0, maximum: 100, description });

/** Every tracking threshold; the console may change them at run time (`PUT /api/tracking/config`). */
export const TrackingConfig = T.Object(
  {
    exitToleranceM: Metres('fence exit tolerance: how far outside a zone a badge may be and still count as in it'),
    toleranceTimeoutMs: Ms('how long a badge may stay within the exit tolerance before it has left'),
    exitDelayMs: Ms('how long a badge must be beyond the exit tolerance before it has left'),
    timeoutMs: Ms('a badge not heard for this long has left every zone', 1),
    maxAccuracyM: Metres('positions less accurate than this are stored but do not move fences'),
    lostAfterMs: Ms('a bound badge not heard for this long raises badge-lost', 1),
    lowBatteryPct: T.Integer({
      minimum: 0,
      maximum: 100,
      description: 'battery at or below this raises badge-low-battery',
    }),
    batteryClearPct: T.Integer({ minimum: 0, maximum: 100, description: 'badge-low-battery clears at or above this' }),
    restroomMaxMs: Ms('restroom stays longer than this raise restroom-dwell', 1),
    contactDistanceM: Metres('experts of different sessions this close are together'),
    contactAfterMs: Ms('together this long raises cross-session-contact', 1),
    contactGraceMs: Ms('apart this long ends a contact (noise does not restart the clock)'),
    sharedContactAfterMs: Ms('together this long in one small shared zone raises cross-session-contact', 1),
    awayMaxMs: T.Unsafe<Partial<Record<AwayZoneType, number>>>(
      T.Mapped(
        T.Union(AWAY_ZONE_TYPES.map((t) => T.Literal(t))),
        () => T.Optional(Ms('longest stay in a zone of this type while away from the room', 1)),
        {
          additionalProperties: false,
          description: "per zone type, the longest stay away from one's room while the session is in progress",
        },
      ),
    ),
    awayTotalMaxMs: Ms('longest absence from the room (and the witness room) in all', 1),
    populationGraceMs: Ms('people counted at the doors and badges present may disagree this long', 1),
    reopenWithinMs: Ms('a condition back this soon after it cleared reopens the same alarm instead of a new one'),
    sampleMs: Ms('trajectory store keeps at most one point per badge per this interval (0 keeps every point)'),
    retentionDays: T.Number({
      exclusiveMinimum: 0,
      maximum: 366,
      description: 'trajectory points older than this are purged',
    }),
    purgeEveryMs: Ms('how often the trajectory purge runs', 1000),
    flushMs: Ms('trajectory points are written in one transaction at least this often', 1),
    tickMs: Ms('how often time-based rules (lost, dwell, contact, fence timeouts) run', 10),
  },
  { additionalProperties: false },
);
export type TrackingConfig = Static<typeof TrackingConfig>;

export const DEFAULT_TRACKING_CONFIG: TrackingConfig = {
  exitToleranceM: 1,
  toleranceTimeoutMs: 10_000,
  exitDelayMs: 1_000,
  timeoutMs: 60_000,
  maxAccuracyM: 5,
  lostAfterMs: 30_000,
  lowBatteryPct: 15,
  batteryClearPct: 25,
  restroomMaxMs: 15 * 60_000,
  contactDistanceM: 1.5,
  contactAfterMs: 60_000,
  contactGraceMs: 5_000,
  sharedContactAfterMs: 10_000,
  awayMaxMs: { corridor: 120_000, dining: 30_000, stairwell: 30_000, 'lift-lobby': 30_000, 'locker-area': 60_000 },
  awayTotalMaxMs: 20 * 60_000,
  populationGraceMs: 30_000,
  reopenWithinMs: 30_000,
  sampleMs: 1_000,
  retentionDays: 7,
  purgeEveryMs: 3_600_000,
  flushMs: 200,
  tickMs: 250,
};

/** The venue file's `tracking:` block (seconds) as config fields (milliseconds); what it leaves out is not set. */
export function venueTrackingConfig(venue: Pick<Venue, 'tracking'>): Partial<TrackingConfig> {
  const t: TrackingSettings = venue.tracking ?? {};
  const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  const config: Partial<TrackingConfig> = {
    awayMaxMs: t.awayFromRoomS
      ? Object.fromEntries(Object.entries(t.awayFromRoomS).map(([type, s]) => [type, s * 1000]))
      : undefined,
    awayTotalMaxMs: ms(t.awayTotalS),
    sharedContactAfterMs: ms(t.sharedContactS),
    populationGraceMs: ms(t.populationGraceS),
  };
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}
