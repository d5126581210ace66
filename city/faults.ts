/**
 * What a misbehaving hub or network can do to a venue's batch request, injected by the sync fault runs and tests
 * (startHub's `faults`; a production hub has none). `afterStore` faults keep the batch and lose the answer — the
 * case that makes idempotency matter.
 */
import type { BatchAnswer } from '../edge/sync/wire.ts';

export type Fault =
  /** Answer 429/503 with Retry-After (seconds): "slow down". */
  | { kind: 'refuse'; status: 429 | 503; retryAfterS: number }
  /** Never answer (the venue's request times out). */
  | { kind: 'timeout'; afterStore: boolean }
  /** Answer only after this delay. */
  | { kind: 'slow'; ms: number }
  /** Answer with the acknowledgement of the previous batch again (MQTT: also the real one, twice). */
  | { kind: 'duplicate-ack' }
  /** Close the connection: mid-body before storing, or after storing instead of answering. */
  | { kind: 'drop'; afterStore: boolean };

export type FaultKind = Fault['kind'];

const ALL: FaultKind[] = ['refuse', 'timeout', 'slow', 'duplicate-ack', 'drop'];

/** A small seeded generator, so a failing random-fault run can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomFaults {
  /** Share of batch requests that get a fault, 0..1. */
  rate: number;
  seed: number;
  kinds?: FaultKind[];
  /** Delay for `slow`, and Retry-After for `refuse` (kept small in tests). */
  slowMs?: number;
  retryAfterS?: number;
}

/** Faults queued per venue (or '*' for any) are used first, one per request; then the random share, if set. */
export class FaultPlan {
  private readonly queued = new Map<string, Fault[]>();
  private random: (RandomFaults & { next: () => number }) | null = null;
  readonly injected: Record<FaultKind, number> = { refuse: 0, timeout: 0, slow: 0, 'duplicate-ack': 0, drop: 0 };
  private readonly lastAck = new Map<string, BatchAnswer>();

  /** Keeps the venue's latest acknowledgement (what a `duplicate-ack` answers with again). */
  remember(venue: string, answer: BatchAnswer): void {
    if (answer.status === 'ack') this.lastAck.set(venue, answer);
  }

  previousAck(venue: string): BatchAnswer | null {
    return this.lastAck.get(venue) ?? null;
  }

  inject(venue: string | '*', ...faults: Fault[]): void {
    this.queued.set(venue, [...(this.queued.get(venue) ?? []), ...faults]);
  }

  randomly(options: RandomFaults | null): void {
    this.random = options ? { ...options, next: mulberry32(options.seed) } : null;
  }

  clear(): void {
    this.queued.clear();
    this.random = null;
  }

  /** The fault for this venue's next batch request, or null to behave. */
  next(venue: string): Fault | null {
    const fault = this.queued.get(venue)?.shift() ?? this.queued.get('*')?.shift() ?? this.draw();
    if (fault) this.injected[fault.kind]++;
    return fault;
  }

  private draw(): Fault | null {
    const r = this.random;
    if (!r || r.next() >= r.rate) return null;
    const kinds = r.kinds ?? ALL;
    const kind = kinds[Math.floor(r.next() * kinds.length)]!;
    const afterStore = r.next() < 0.5;
    switch (kind) {
      case 'refuse':
        return { kind, status: r.next() < 0.5 ? 429 : 503, retryAfterS: r.retryAfterS ?? 0.05 };
      case 'timeout':
        return { kind, afterStore };
      case 'slow':
        return { kind, ms: r.slowMs ?? 50 };
      case 'duplicate-ack':
        return { kind };
      case 'drop':
        return { kind, afterStore };
    }
  }
}
