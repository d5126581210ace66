/**
 * The host clock as the time-sync daemon reports it, and the rule that judges it. Every timestamp in the record
 * comes from this clock, so a clock that is off or unsynchronised makes the evidence suspect (docs/operations.md).
 */
export interface ClockReading {
  /** Who said it: chrony (`chronyc -c tracking`), systemd-timesyncd (`timedatectl show`) or nothing. */
  source: 'chrony' | 'timesyncd' | 'none';
  synchronised: boolean;
  /** The system clock's offset from the reference, milliseconds (positive: fast), where the source tells it. */
  offsetMs: number | null;
}

export interface ClockLimits {
  /** An offset beyond this is drift (default 1 s). */
  maxOffsetMs: number;
  /** Unsynchronised for longer than this is suspect (default 10 min: a daemon's first sync takes a while). */
  unsyncedGraceMs: number;
}

export const DEFAULT_CLOCK_LIMITS: ClockLimits = { maxOffsetMs: 1000, unsyncedGraceMs: 10 * 60_000 };

export type ClockVerdict =
  | { state: 'ok' }
  | { state: 'drift'; offsetMs: number }
  | { state: 'unsynchronised'; sinceMs: number }
  | { state: 'unknown' };

/** Judges one reading; `unsyncedSince` is when the clock was first seen unsynchronised (null: it was not). */
export function judgeClock(
  reading: ClockReading,
  unsyncedSince: number | null,
  now: number,
  limits: ClockLimits,
): ClockVerdict {
  if (reading.source === 'none') return { state: 'unknown' };
  if (reading.offsetMs !== null && Math.abs(reading.offsetMs) > limits.maxOffsetMs)
    return { state: 'drift', offsetMs: reading.offsetMs };
  if (!reading.synchronised && unsyncedSince !== null && now - unsyncedSince > limits.unsyncedGraceMs)
    return { state: 'unsynchronised', sinceMs: unsyncedSince };
  return { state: 'ok' };
}

/**
 * `chronyc -c tracking`: comma-separated; field 5 is "System time", the correction chrony is applying, in seconds
 * (positive: the system clock is slow — the human form prints "slow"/"fast" by this sign — so it is negated to
 * an offset); the last field is the leap status ("Not synchronised" when unsynced).
 */
export function parseChronyTracking(csv: string): ClockReading | null {
  const fields = csv.trim().split(',');
  if (fields.length < 14) return null;
  const offsetS = Number(fields[4]);
  const leap = fields[fields.length - 1]!;
  return {
    source: 'chrony',
    synchronised: leap !== 'Not synchronised',
    offsetMs: Number.isFinite(offsetS) ? -offsetS * 1000 : null,
  };
}

/** `timedatectl show`: key=value lines; NTPSynchronized=yes|no. timesyncd reports no offset. */
export function parseTimedatectl(text: string): ClockReading | null {
  const synced = /^NTPSynchronized=(yes|no)$/m.exec(text)?.[1];
  return synced ? { source: 'timesyncd', synchronised: synced === 'yes', offsetMs: null } : null;
}

/** A reading of both clocks at one moment: the wall clock (Date.now) and the monotonic one (performance.now). */
export interface ClockPair {
  wall: number;
  mono: number;
}

/**
 * The wall clock jumped between two readings when it moved by more (or less) than the monotonic clock, which
 * nothing resets: positive is forwards. Null within the tolerance (ordinary slewing by the time daemon is far less).
 */
export function clockJump(before: ClockPair, after: ClockPair, toleranceMs = 1000): number | null {
  const jump = after.wall - before.wall - (after.mono - before.mono);
  return Math.abs(jump) > toleranceMs ? Math.round(jump) : null;
}
