import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AlarmEngine } from '../alerts/alarms.ts';
import type { EventLog } from '../store/event-log.ts';
import {
  type ClockLimits,
  type ClockPair,
  type ClockReading,
  type ClockVerdict,
  clockJump,
  DEFAULT_CLOCK_LIMITS,
  judgeClock,
  parseChronyTracking,
  parseTimedatectl,
} from './clock-state.ts';

const run = promisify(execFile);

/** Asks chrony, then systemd-timesyncd; a host with neither reports source "none" (verdict unknown, no alarm). */
export async function readHostClock(): Promise<ClockReading> {
  for (const [cmd, args, parse] of [
    ['chronyc', ['-c', 'tracking'], parseChronyTracking],
    ['timedatectl', ['show'], parseTimedatectl],
  ] as const) {
    try {
      const reading = parse((await run(cmd, args, { timeout: 5000 })).stdout);
      if (reading) return reading;
    } catch {
      // not installed or not running: try the next
    }
  }
  return { source: 'none', synchronised: false, offsetMs: null };
}

const SUBJECT = 'host-clock';
/** How often the wall clock is compared with the monotonic one (cheap: two clock reads). */
const JUMP_CHECK_MS = 2000;

/**
 * Polls the host clock and keeps a `clock-drift` alarm raised while it is off or unsynchronised; each change of
 * verdict is recorded (`clock.checked`) so the record shows from when to when its timestamps were suspect.
 */
export class ClockWatch {
  private timer?: NodeJS.Timeout;
  private jumpTimer?: NodeJS.Timeout;
  private lastPair: ClockPair | null = null;
  private unsyncedSince: number | null = null;
  verdict: ClockVerdict = { state: 'unknown' };
  reading: ClockReading | null = null;

  constructor(
    private readonly deps: {
      log: EventLog;
      alarms: AlarmEngine;
      read?: () => Promise<ClockReading>;
      now?: () => number;
      /** Both clocks at once, for jump detection (tests inject them). */
      pair?: () => ClockPair;
      limits?: ClockLimits;
      intervalMs?: number;
    },
  ) {}

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.deps.intervalMs ?? 60_000);
    this.timer.unref();
    this.lastPair = this.pair();
    this.jumpTimer = setInterval(() => this.watchJumps(), JUMP_CHECK_MS);
    this.jumpTimer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.jumpTimer);
  }

  private pair(): ClockPair {
    return (this.deps.pair ?? (() => ({ wall: Date.now(), mono: performance.now() })))();
  }

  /**
   * A wall clock set backwards or forwards while the edge runs (by hand, or a daemon stepping it): events keep their
   * order by sequence, but their times around the step are suspect, so the step is recorded (`clock.jumped`, with
   * the size) and raises clock-drift, which a witness resolves once the cause is known.
   */
  watchJumps(): number | null {
    const now = this.pair();
    const jump = this.lastPair ? clockJump(this.lastPair, now) : null;
    this.lastPair = now;
    if (jump === null) return null;
    this.deps.log.append({ type: 'clock.jumped', actor: 'system', subject: SUBJECT, data: { byMs: jump } });
    this.deps.alarms.raise({
      kind: 'clock-drift',
      level: 2,
      subject: SUBJECT,
      details: { verdict: jump > 0 ? 'jumped-forwards' : 'jumped-backwards', byMs: jump },
    });
    return jump;
  }

  get suspect(): boolean {
    return this.verdict.state === 'drift' || this.verdict.state === 'unsynchronised';
  }

  async check(): Promise<ClockVerdict> {
    const reading = await (this.deps.read ?? readHostClock)();
    const now = (this.deps.now ?? Date.now)();
    if (reading.synchronised) this.unsyncedSince = null;
    else this.unsyncedSince ??= now;
    const verdict = judgeClock(reading, this.unsyncedSince, now, this.deps.limits ?? DEFAULT_CLOCK_LIMITS);
    const changed = verdict.state !== this.verdict.state;
    this.reading = reading;
    this.verdict = verdict;
    if (!changed) return verdict;
    this.deps.log.append({
      type: 'clock.checked',
      actor: 'system',
      subject: SUBJECT,
      data: { ...reading, verdict: verdict.state },
    });
    if (this.suspect)
      this.deps.alarms.raise({
        kind: 'clock-drift',
        level: 2,
        subject: SUBJECT,
        details: { ...reading, verdict: verdict.state },
      });
    else this.deps.alarms.clear('clock-drift', SUBJECT, `clock ${verdict.state}`);
    return verdict;
  }
}
