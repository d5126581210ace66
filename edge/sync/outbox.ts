import type { Logger } from 'pino';
import type { AlarmEngine } from '../alerts/alarms.ts';
import type { CheckpointSigner } from '../store/anchors.ts';
import { type Db, migrate } from '../store/database.ts';
import { type EventLog, GENESIS_HASH, type LoggedEvent } from '../store/event-log.ts';
import type { VenueKey } from './keys.ts';
import type { SendOutcome, UpstreamTransport } from './transport.ts';
import { toUpstream, UPLOAD_RULES } from './upstream-projection.ts';
import { batchManifest, PROTOCOL, type SignedBatch, signBytes, type UpstreamEvent } from './wire.ts';

export const SYNC_TARGET = 'city-platform';

/** Events read and projected at a time while a batch is prepared. */
const PROJECT_CHUNK = 1000;

const migrations = [
  {
    version: 1,
    sql: `
      -- How far the platform has acknowledged the record: the outbox resumes right after it.
      CREATE TABLE sync_cursor (
        target TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL, acked_hash TEXT NOT NULL, updated_at INTEGER NOT NULL);
      -- Downlink messages the venue accepted (by the platform's per-venue number) or refused.
      CREATE TABLE sync_downlink (
        seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, issued_at INTEGER NOT NULL, received_at INTEGER NOT NULL,
        via TEXT NOT NULL, report TEXT NOT NULL);
      CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
];

export const migrateSync = (db: Db) => migrate(db, 'sync', migrations);

/** A signer other than the venue's Ed25519 key: the 国密 suite's SM2 key (the one checkpoints are signed with). */
export type BatchSigner = Pick<CheckpointSigner, 'suite' | 'keyId' | 'sign'>;

export interface OutboxOptions {
  venue: string;
  key: VenueKey;
  /** Signs batches in the 国密 suite (the venue's SM2 key); by default the venue key signs with Ed25519. */
  batchSigner?: BatchSigner;
  transport: UpstreamTransport;
  alarms: AlarmEngine;
  logger: Logger;
  batchSize: number;
  lingerMs: number;
  retry: { baseMs: number; maxMs: number };
  lagAlarm: { events: number; seconds: number };
  /** How often lag is re-evaluated while nothing else happens. */
  lagCheckMs?: number;
}

export type OutboxState = 'idle' | 'sending' | 'retrying' | 'slowed' | 'rejected' | 'stopped';

export interface OutboxStatus {
  state: OutboxState;
  ackedSeq: number;
  headSeq: number;
  lag: { events: number; seconds: number };
  batchSize: number;
  lastAckAt: number | null;
  lastError: string | null;
  nextAttemptAt: number | null;
  counters: {
    batches: number;
    events: number;
    duplicates: number;
    staleAcks: number;
    retries: number;
    slowDowns: number;
    gaps: number;
    rejections: number;
  };
}

/** Columns read for the upload, as arrays (cheaper than row objects over a million events). */
const READ_COLUMNS = 'seq, venue, at, type, session, actor, method, subject, data, prev_hash, hash';
type RawRow = [
  number,
  string,
  number,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string,
  string,
  string,
];

/** A stored row as the projection needs it: the body is parsed only for types that go up with one. */
function toEvent(r: RawRow): LoggedEvent {
  const [seq, venue, at, type, session, actor, method, subject, data, prevHash, hash] = r;
  const body = UPLOAD_RULES[type] ? (JSON.parse(data) as Record<string, unknown>) : {};
  return { seq, venue, at, type, session, actor, method, subject, data: body, prevHash, hash };
}

/** Resolves after ms, or at once when the signal aborts. */
/** Exponential backoff with jitter after `failures` failures in a row: half the step fixed, half random. */
export function jitteredBackoff(retry: { baseMs: number; maxMs: number }, failures: number): number {
  const step = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(failures, 30));
  return Math.floor(step / 2 + Math.random() * (step / 2));
}

export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/**
 * Forwards the event log to the city platform in order, in signed batches. The platform acknowledges by
 * sequence number; the acknowledged position is persisted, so after a restart or an outage the outbox resumes
 * right after it. Sending the same events twice is harmless (the platform keeps one per venue + seq).
 */
export class Outbox {
  private acked: { seq: number; hash: string };
  private readonly stopping = new AbortController();
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private batchSize: number;
  private oldestUnacked: { seq: number; at: number } | null = null;
  private readonly status_: Omit<OutboxStatus, 'ackedSeq' | 'headSeq' | 'lag' | 'batchSize'> = {
    state: 'idle',
    lastAckAt: null,
    lastError: null,
    nextAttemptAt: null,
    counters: { batches: 0, events: 0, duplicates: 0, staleAcks: 0, retries: 0, slowDowns: 0, gaps: 0, rejections: 0 },
  };
  private readonly onAppended = () => this.wake?.();
  private readonly readAfter;

  constructor(
    private readonly log: EventLog,
    private readonly options: OutboxOptions,
  ) {
    migrateSync(log.db);
    const row = log.db
      .prepare('SELECT acked_seq AS seq, acked_hash AS hash FROM sync_cursor WHERE target = ?')
      .get(SYNC_TARGET) as { seq: number; hash: string } | undefined;
    this.acked = row ?? { seq: 0, hash: GENESIS_HASH };
    this.batchSize = options.batchSize;
    this.readAfter = log.db.prepare(`SELECT ${READ_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`).raw(true);
  }

  start(): void {
    if (this.loop) return;
    this.log.on('appended', this.onAppended);
    this.lagTimer = setInterval(() => this.checkLag(), this.options.lagCheckMs ?? 1000);
    this.lagTimer.unref();
    this.loop = this.run().catch((err) => this.options.logger.error({ err }, 'sync outbox stopped on an error'));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    this.log.off('appended', this.onAppended);
    if (this.lagTimer) clearInterval(this.lagTimer);
    await this.loop;
    this.status_.state = 'stopped';
  }

  get ackedSeq(): number {
    return this.acked.seq;
  }

  status(now = Date.now()): OutboxStatus {
    return {
      ...this.status_,
      counters: { ...this.status_.counters },
      ackedSeq: this.acked.seq,
      headSeq: this.log.head.seq,
      lag: this.lag(now),
      batchSize: this.batchSize,
    };
  }

  /** Unacknowledged events and the age of the oldest of them. */
  lag(now = Date.now()): { events: number; seconds: number } {
    const events = this.log.head.seq - this.acked.seq;
    if (events <= 0) return { events: 0, seconds: 0 };
    return { events, seconds: Math.max(0, Math.floor((now - this.oldestUnackedAt(now)) / 1000)) };
  }

  /** When the first unacknowledged event was recorded (looked up once per acknowledged position). */
  private oldestUnackedAt(now: number): number {
    const next = this.acked.seq + 1;
    if (this.oldestUnacked?.seq !== next) {
      const at = this.log.db.prepare('SELECT at FROM events WHERE seq = ?').pluck().get(next) as number | undefined;
      this.oldestUnacked = { seq: next, at: at ?? now };
    }
    return this.oldestUnacked.at;
  }

  /** The next batch after `afterSeq`, projected, digested and signed. Exposed for tests and tools. */
  buildBatch(afterSeq: number, limit: number): SignedBatch | null {
    const upstream: UpstreamEvent[] = [];
    for (const chunk of this.project(afterSeq, limit)) upstream.push(...chunk);
    return this.sign(upstream);
  }

  /** The same, yielding to the event loop between chunks so a request in flight keeps moving meanwhile. */
  private async buildBatchAsync(afterSeq: number, limit: number): Promise<SignedBatch | null> {
    const upstream: UpstreamEvent[] = [];
    for (const chunk of this.project(afterSeq, limit)) {
      upstream.push(...chunk);
      await new Promise(setImmediate);
      if (this.stopping.signal.aborted) return null;
    }
    return this.sign(upstream);
  }

  private *project(afterSeq: number, limit: number): Generator<UpstreamEvent[]> {
    const { pseudonymise } = this.options.key;
    let after = afterSeq;
    for (let left = limit; left > 0; ) {
      const rows = this.readAfter.all(after, Math.min(PROJECT_CHUNK, left)) as RawRow[];
      if (rows.length === 0) return;
      yield rows.map((row) => toUpstream(toEvent(row), pseudonymise));
      after = rows[rows.length - 1]![0];
      left -= rows.length;
    }
  }

  private sign(upstream: UpstreamEvent[]): SignedBatch | null {
    const first = upstream[0];
    const last = upstream[upstream.length - 1];
    if (!first || !last) return null;
    const { key, venue, batchSigner } = this.options;
    const unsigned = {
      venue,
      keyId: batchSigner?.keyId ?? key.keyId,
      ...(batchSigner?.suite === 'sm2-sm3' ? { suite: 'sm2-sm3' as const } : {}),
      firstSeq: first.seq,
      lastSeq: last.seq,
      prevHash: first.prevHash,
      lastHash: last.hash,
      events: upstream,
    };
    const manifest = batchManifest(unsigned);
    const signature = batchSigner ? batchSigner.sign(manifest) : signBytes(key.privateKey, manifest);
    return { protocol: PROTOCOL, ...unsigned, signature };
  }

  private async run(): Promise<void> {
    const stop = this.stopping.signal;
    // The batch after the one in flight, prepared while the platform works (used if that one is acknowledged
    // and the batch size is unchanged).
    let next: Promise<SignedBatch | null> | null = null;
    try {
      while (!stop.aborted) {
        if (this.acked.seq >= this.log.head.seq) {
          this.status_.state = 'idle';
          this.checkLag();
          await this.waitForEvents();
          continue;
        }
        await this.lingerForSmallBatch();
        if (stop.aborted) break;
        const prepared = await next;
        next = null;
        const batch =
          prepared && prepared.firstSeq === this.acked.seq + 1 && prepared.events.length === this.batchSize
            ? prepared
            : await this.buildBatchAsync(this.acked.seq, this.batchSize);
        if (!batch || stop.aborted) continue;
        // retrying, slowed and rejected stay visible until the platform acknowledges again.
        if (this.status_.state === 'idle') this.status_.state = 'sending';
        const sending = this.options.transport.send(batch);
        // Only a full batch is prepared ahead: a catch-up, not a trickle (that waits for its linger instead).
        if (this.log.head.seq - batch.lastSeq >= this.batchSize)
          next = this.buildBatchAsync(batch.lastSeq, this.batchSize);
        const outcome = await sending;
        if (stop.aborted) return;
        const waitMs = this.handle(outcome);
        this.checkLag();
        if (waitMs > 0) {
          this.status_.nextAttemptAt = Date.now() + waitMs;
          await sleep(waitMs, stop);
          this.status_.nextAttemptAt = null;
        }
      }
    } finally {
      // A preparation still reading the log must finish before the database may close.
      await next;
    }
  }

  /**
   * A trickle of events goes up in batches at most every lingerMs rather than one request per event: while less
   * than a batch is pending, wait until the oldest pending event is lingerMs old.
   */
  private async lingerForSmallBatch(): Promise<void> {
    const linger = this.options.lingerMs;
    if (linger <= 0 || this.log.head.seq - this.acked.seq >= this.batchSize) return;
    const now = Date.now();
    const age = now - this.oldestUnackedAt(now);
    if (age < linger) await sleep(linger - age, this.stopping.signal);
  }

  private waitForEvents(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
      if (this.stopping.signal.aborted || this.log.head.seq > this.acked.seq) this.wake();
    });
  }

  /** Applies the platform's answer; returns how long to wait before the next attempt. */
  private handle(outcome: SendOutcome): number {
    const c = this.status_.counters;
    switch (outcome.status) {
      case 'ack': {
        if (outcome.ackedSeq > this.log.head.seq)
          return this.rejected(`platform acknowledged seq ${outcome.ackedSeq}, beyond this record`);
        if (outcome.ackedSeq <= this.acked.seq) {
          // An acknowledgement of an earlier batch (duplicated or late): this batch is not confirmed, send again.
          c.staleAcks++;
          return this.backoff();
        }
        const ours = this.hashAt(outcome.ackedSeq);
        if (ours !== outcome.ackedHash)
          return this.rejected(`platform acknowledged seq ${outcome.ackedSeq} with another hash`);
        c.batches++;
        if (outcome.duplicate) c.duplicates++;
        c.events += Math.max(0, outcome.ackedSeq - this.acked.seq);
        this.persist(outcome.ackedSeq, ours);
        this.failures = 0;
        this.batchSize = Math.min(this.options.batchSize, Math.ceil(this.batchSize * 1.5));
        this.status_.lastAckAt = Date.now();
        this.status_.lastError = null;
        if (this.status_.state === 'rejected')
          this.options.alarms.clear('sync-rejected', SYNC_TARGET, 'platform accepts again');
        this.status_.state = 'sending';
        return 0;
      }
      case 'gap': {
        // The platform holds less (restored from a backup) or more (our acknowledgement was lost) than we think.
        c.gaps++;
        const resumeAfter = outcome.expectedSeq - 1;
        const hash = resumeAfter <= this.log.head.seq ? this.hashAt(resumeAfter) : null;
        if (hash === null) return this.rejected(`platform expects seq ${outcome.expectedSeq}, beyond this record`);
        if (resumeAfter < this.acked.seq) {
          this.options.logger.warn({ from: this.acked.seq, to: resumeAfter }, 'sync: platform lost events; resending');
          this.log.append({ type: 'sync.rewound', actor: 'system', data: { from: this.acked.seq, to: resumeAfter } });
        }
        this.persist(resumeAfter, hash);
        return 0;
      }
      case 'rejected':
        return this.rejected(outcome.error);
      case 'slow-down': {
        c.slowDowns++;
        this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
        this.status_.state = 'slowed';
        this.status_.lastError = outcome.error;
        const base = outcome.retryAfterMs ?? this.backoff();
        return base + Math.floor(Math.random() * Math.max(10, base * 0.1));
      }
      case 'unavailable':
        c.retries++;
        this.status_.state = 'retrying';
        this.status_.lastError = outcome.error;
        return this.backoff();
    }
  }

  /** Exponential backoff with jitter: half the step fixed, half random, so venues do not retry in step. */
  private backoff(): number {
    return jitteredBackoff(this.options.retry, this.failures++);
  }

  private rejected(error: string): number {
    this.status_.counters.rejections++;
    this.status_.lastError = error;
    if (this.status_.state !== 'rejected') {
      this.options.logger.error({ error }, 'sync: the platform rejected a batch');
      this.options.alarms.raise({ kind: 'sync-rejected', level: 2, subject: SYNC_TARGET, details: { error } });
    }
    this.status_.state = 'rejected';
    return this.backoff();
  }

  private hashAt(seq: number): string | null {
    if (seq === 0) return GENESIS_HASH;
    return (
      (this.log.db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(seq) as string | undefined) ?? null
    );
  }

  private persist(seq: number, hash: string): void {
    this.acked = { seq, hash };
    this.log.db
      .prepare(
        `INSERT INTO sync_cursor (target, acked_seq, acked_hash, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (target) DO UPDATE SET acked_seq = excluded.acked_seq, acked_hash = excluded.acked_hash,
         updated_at = excluded.updated_at`,
      )
      .run(SYNC_TARGET, seq, hash, Date.now());
  }

  /** Raises sync-lag past either threshold; clears it once everything is acknowledged. */
  private checkLag(): void {
    if (this.stopping.signal.aborted) return;
    const lag = this.lag();
    const { events, seconds } = this.options.lagAlarm;
    if (lag.events >= events || lag.seconds >= seconds) {
      this.options.alarms.raise({ kind: 'sync-lag', level: 2, subject: SYNC_TARGET, details: { ...lag } });
    } else if (lag.events === 0) {
      this.options.alarms.clear('sync-lag', SYNC_TARGET, 'caught up');
    }
  }
}
