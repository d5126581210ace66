import type { Logger } from 'pino';
import type { DeviceGateway } from '../bus/device-gateway.ts';
import { DomainError } from '../domain-error.ts';
import type { EventData } from '../event-catalogue.ts';
import type { EventLog, LoggedEvent } from '../store/event-log.ts';
import type { Allocator } from './checkin-store.ts';

/** Why a check-in's badge and locker were handed back (ids: they go upstream as they are). */
export const RELEASE_REASONS = ['check-out', 'session-ended'] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

/** Who checked out of a session (pseudonym → when), from its `checkin.released` events. */
export function checkOutsOf(log: Pick<EventLog, 'query'>, session: string): Map<string, number> {
  return new Map(
    log.query({ session, type: 'checkin.released', limit: 10_000 }).map((e) => [String(e.data.pseudonym), e.at]),
  );
}

/** States that end a session: whoever is still checked in to it is checked out. */
const ENDING_STATES: readonly string[] = ['completed', 'cancelled'];

/**
 * Check-out (签退): hands back the location badge and the phone-locker compartment a check-in gave, as one
 * `checkin.released` event (pseudonym, badge, locker, reason). Tracking releases the badge binding from it, the
 * allocator frees both for the next check-in, and the locker bank gets `release` for the compartment.
 * A session that ends (completed, cancelled) checks out everyone still holding something, as `system`.
 */
export class Checkout {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly allocator: Allocator,
    private readonly gateway: Pick<DeviceGateway, 'command'>,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.unsubscribe = this.log.onAppended(['checkin.released', 'session.state-changed'], (e) => {
      if (e.type === 'checkin.released') this.releaseLocker(e.data.locker);
      // After the emit loop: every listener sees the state change before the releases it causes.
      else if (e.session && ENDING_STATES.includes(e.data.to)) queueMicrotask(() => this.endSession(e.session!));
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Checks a person out of their session today (or the one named); 409 when they hold nothing. */
  release(input: { pseudonym: string; session?: string; by: string; reason: ReleaseReason }): LoggedEvent {
    const held = this.allocator.heldBy(input.pseudonym, this.now(), input.session);
    if (!held)
      throw new DomainError(
        'conflict',
        `pseudonym: ${input.pseudonym} holds no badge or locker${input.session ? ` in session ${input.session}` : ' today'}`,
      );
    return this.log.append({
      type: 'checkin.released',
      session: held.session,
      actor: input.by,
      subject: held.pseudonym,
      data: { pseudonym: held.pseudonym, badge: held.badge, locker: held.locker, reason: input.reason },
    });
  }

  private endSession(session: string): void {
    for (const held of this.allocator.heldIn(session)) {
      try {
        this.release({ pseudonym: held.pseudonym, session, by: 'system', reason: 'session-ended' });
      } catch (err) {
        this.logger.error({ err, session, pseudonym: held.pseudonym }, 'check-out at session end failed');
      }
    }
  }

  private releaseLocker(locker: EventData<'checkin.released'>['locker']): void {
    if (!locker) return;
    this.gateway
      .command(locker.bank, 'release', { compartment: locker.compartment })
      .catch((err) => this.logger.warn({ err, bank: locker.bank }, 'locker release command failed'));
  }
}
