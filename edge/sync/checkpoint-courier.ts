import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlarmEngine } from '../alerts/alarms.ts';
import { type CheckpointLine, receiptManifest, receiptMatches } from '../store/checkpoint-format.ts';
import type { RecordAnchor } from '../store/checkpoints.ts';
import { toHex } from '../store/merkle-verify.ts';
import { sleep } from './outbox.ts';
import type { UpstreamTransport } from './transport.ts';
import { verifyBytes } from './wire.ts';

export const CHECKPOINT_ALARM_SUBJECT = 'city-platform';

export interface CourierStatus {
  state: 'idle' | 'sending' | 'retrying' | 'refused' | 'stopped';
  lastError: string | null;
  receipts: number;
}

/**
 * Takes the venue's latest signed checkpoint to the city with the consistency proof from the last one the city
 * countersigned, and keeps the receipt (receipts.jsonl). Only the latest matters: a receipt for it vouches for
 * everything before it. A refusal (forged, or not extending what the city holds) raises `checkpoint-refused`;
 * network trouble is retried with backoff.
 */
export class CheckpointCourier {
  private readonly stopping = new AbortController();
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private refusedAt: number | null = null;
  private readonly status_: CourierStatus = { state: 'idle', lastError: null, receipts: 0 };
  private readonly onCheckpoint = () => this.wake?.();

  constructor(
    private readonly anchor: RecordAnchor,
    private readonly transport: UpstreamTransport,
    private readonly options: {
      alarms: AlarmEngine;
      logger: Logger;
      platformKey: KeyObject | null;
      retry: { baseMs: number; maxMs: number };
    },
  ) {}

  start(): void {
    if (this.loop) return;
    this.anchor.on('checkpoint', this.onCheckpoint);
    this.loop = this.run().catch((err) => this.options.logger.error({ err }, 'checkpoint courier stopped on an error'));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    this.anchor.off('checkpoint', this.onCheckpoint);
    await this.loop;
    this.status_.state = 'stopped';
  }

  status(): CourierStatus {
    return { ...this.status_ };
  }

  /** The checkpoint still waiting for a receipt, unless the city already refused this very one. */
  private pending(): CheckpointLine | null {
    // A degraded record's last checkpoint describes a log that is gone: nothing to send until the loss is acknowledged.
    if (this.anchor.degraded) return null;
    const latest = this.anchor.lastCheckpoint;
    const receipted = this.anchor.receipted;
    if (!latest || (receipted && receipted.line.size === latest.size && receipted.line.root === latest.root))
      return null;
    return this.refusedAt === latest.at ? null : latest;
  }

  private async run(): Promise<void> {
    const stop = this.stopping.signal;
    for (let failures = 0; !stop.aborted; ) {
      const line = this.pending();
      if (!line) {
        if (this.status_.state !== 'refused') this.status_.state = 'idle';
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (stop.aborted) resolve();
        });
        this.wake = null;
        continue;
      }
      this.status_.state = this.status_.state === 'refused' ? 'refused' : 'sending';
      const from = this.anchor.receipted?.line ?? null;
      let proof: { fromSize: number; hashes: string[] } | null = null;
      // A record now shorter than what the city countersigned cannot prove anything: the city refuses it as behind.
      if (from && from.size <= line.size) {
        try {
          proof = { fromSize: from.size, hashes: this.anchor.consistencyProof(from, line.size).map(toHex) };
        } catch (err) {
          this.refuse(line, `no consistency proof from the receipted size ${from.size}: ${(err as Error).message}`);
          continue;
        }
      }
      const { frontier: _frontier, ...checkpoint } = line;
      const outcome = await this.transport.sendCheckpoint({ checkpoint, proof });
      if (stop.aborted) return;
      if (outcome.status === 'receipt') {
        const receipt = outcome.receipt;
        const signedByCity =
          !this.options.platformKey ||
          verifyBytes(this.options.platformKey, Buffer.from(receiptManifest(receipt)), receipt.signature);
        if (signedByCity && receiptMatches(receipt, line)) {
          await this.anchor.addReceipt(receipt, line);
          this.status_.receipts++;
          this.status_.lastError = null;
          failures = 0;
          if (this.status_.state === 'refused')
            this.options.alarms.clear('checkpoint-refused', CHECKPOINT_ALARM_SUBJECT, 'the city countersigns again');
          this.status_.state = 'idle';
          continue;
        }
        this.refuse(
          line,
          signedByCity ? 'receipt does not match the checkpoint' : 'receipt signature is not the city’s',
        );
        continue;
      }
      if (outcome.status === 'refused') {
        this.refuse(line, outcome.error);
        continue;
      }
      this.status_.state = 'retrying';
      this.status_.lastError = outcome.error;
      const { baseMs, maxMs } = this.options.retry;
      await sleep(Math.min(maxMs, baseMs * 2 ** Math.min(failures++, 30)), stop);
    }
  }

  /** The city refused this checkpoint: alarm, and wait for the next checkpoint rather than send it again. */
  private refuse(line: CheckpointLine, error: string): void {
    this.refusedAt = line.at;
    this.status_.state = 'refused';
    this.status_.lastError = error;
    this.options.logger.error({ error, size: line.size }, 'the city refused the record checkpoint');
    this.options.alarms.raise({
      kind: 'checkpoint-refused',
      level: 3,
      subject: CHECKPOINT_ALARM_SUBJECT,
      details: { size: line.size, root: line.root, error },
    });
  }
}
