import { type Static, Type as T } from '@sinclair/typebox';

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
  reopenWithinMs: 30_000,
  sampleMs: 1_000,
  retentionDays: 7,
  purgeEveryMs: 3_600_000,
  flushMs: 200,
  tickMs: 250,
};
