// Signed checkpoints of the record, kept outside the database: every N events or T seconds and at shutdown the
// edge signs (venue, size, Merkle root, head hash, time) and appends it to checkpoints.jsonl. At start the log is
// compared with the furthest checkpoint or receipt; a log behind it or disagreeing with it puts the record in a
// degraded state until an administrator acknowledges the loss.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AlarmEngine } from '../alerts/alarms.ts';
import {
  type Anchor,
  type AnchorProblem,
  type AnchorSources,
  type CheckpointSigner,
  latestAnchor,
  readAnchors,
  type SignatureCheck,
} from './anchors.ts';
import {
  CHECKPOINT_PROTOCOL,
  type CheckpointLine,
  checkpointManifest,
  type Receipt,
  receiptMatches,
} from './checkpoint-format.ts';
import { type EventLog, GENESIS_HASH } from './event-log.ts';
import { JsonlAppender } from './jsonl-file.ts';
import { type Digest, eventLeaf, MerkleFrontier, MerkleTree } from './merkle.ts';
import { type Bytes, toHex } from './merkle-verify.ts';
import { treeDigest } from './suites.ts';

export interface CheckpointSettings {
  /** Sign a checkpoint once this many events were appended since the last one. */
  everyEvents: number;
  /** …or once this many seconds passed with new events. */
  everySeconds: number;
}

export const DEFAULT_CHECKPOINTS: CheckpointSettings = { everyEvents: 10_000, everySeconds: 60 };

export const LOSS_ALARM_SUBJECT = 'record';

export interface RecordAnchorOptions {
  venue: string;
  signer: CheckpointSigner;
  checkpointFile: string;
  receiptFile: string;
  settings: CheckpointSettings;
  alarms: AlarmEngine;
  logger: Logger;
  platformKey?: SignatureCheck | null;
}

/** Why the record is degraded: what the furthest anchor says and what the log holds. */
export interface RecordLoss {
  reason: 'behind' | 'disagrees';
  anchor: { size: number; headHash: string; source: string };
  log: { headSeq: number; hashAtAnchor: string | null };
  since: number;
}

export interface AnchorStatus {
  state: 'ok' | 'degraded';
  loss: RecordLoss | null;
  lastCheckpoint: { size: number; root: string; headHash: string; at: number } | null;
  lastReceipt: { size: number; receivedAt: number; platformKeyId: string } | null;
  checkpointFile: string;
  receiptFile: string;
  settings: CheckpointSettings;
  problems: AnchorProblem[];
}

/**
 * The record's anchors for one venue: signs checkpoints, keeps the city's receipts, and guards the start.
 * Emits `checkpoint` after each checkpoint is on disk.
 */
export class RecordAnchor extends EventEmitter<{ checkpoint: [CheckpointLine] }> {
  private frontier: MerkleFrontier;
  private last: CheckpointLine | null;
  private lastReceipted: { receipt: Receipt; line: CheckpointLine } | null = null;
  private loss: RecordLoss | null = null;
  private readonly problems: AnchorProblem[];
  private readonly checkpoints: JsonlAppender;
  private readonly receipts: JsonlAppender;
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private stopped = false;
  private readonly readHashes;
  /** The Merkle tree's hash in this venue's suite. */
  private readonly digest: Digest;
  private readonly onAppended = () => {
    if (this.scheduled || this.loss || this.stopped) return;
    if (this.log.head.seq - this.frontier.size < this.options.settings.everyEvents) return;
    this.scheduled = true;
    // After the burst that crossed the threshold has returned, not inside its append.
    setImmediate(() => {
      this.scheduled = false;
      void this.checkpoint().catch((err) => this.options.logger.error({ err }, 'checkpoint failed'));
    });
  };

  constructor(
    private readonly log: EventLog,
    private readonly options: RecordAnchorOptions,
  ) {
    super();
    this.digest = treeDigest(options.signer.suite);
    this.readHashes = log.db.prepare('SELECT hash FROM events WHERE seq > ? AND seq <= ? ORDER BY seq').pluck();
    this.checkpoints = new JsonlAppender(options.checkpointFile);
    this.receipts = new JsonlAppender(options.receiptFile);
    const anchors = readAnchors(this.sources);
    this.problems = anchors.problems;
    this.last = anchors.checkpoints[anchors.checkpoints.length - 1] ?? null;
    const receipt = anchors.receipts[anchors.receipts.length - 1];
    const receiptedLine = receipt && anchors.checkpoints.find((c) => receiptMatches(receipt, c));
    if (receipt && receiptedLine) this.lastReceipted = { receipt, line: receiptedLine };
    this.loss = this.compare(latestAnchor(anchors));
    this.frontier = this.loss ? MerkleFrontier.empty(this.digest) : this.resumeFrontier();
    if (this.loss) this.raiseLoss(this.loss);
  }

  /** null if the log reaches the anchor and holds the anchor's head hash at its size; else what is wrong. */
  private compare(anchor: Anchor | null): RecordLoss | null {
    if (!anchor) return null;
    const headSeq = this.log.head.seq;
    const hashAtAnchor = this.hashAt(anchor.size);
    if (headSeq >= anchor.size && hashAtAnchor === anchor.headHash) return null;
    return {
      reason: headSeq < anchor.size ? 'behind' : 'disagrees',
      anchor: { size: anchor.size, headHash: anchor.headHash, source: anchor.source },
      log: { headSeq, hashAtAnchor },
      since: Date.now(),
    };
  }

  private hashAt(seq: number): string | null {
    if (seq === 0) return GENESIS_HASH;
    return (
      (this.log.db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(seq) as string | undefined) ?? null
    );
  }

  /** The last checkpoint's frontier when it is sound and agrees with the log; else the whole log read again. */
  private resumeFrontier(): MerkleFrontier {
    const last = this.last;
    let frontier = MerkleFrontier.empty(this.digest);
    if (last && this.hashAt(last.size) === last.headHash && last.suite === this.suite) {
      try {
        const kept = MerkleFrontier.fromHex(last.size, last.frontier, this.digest);
        if (toHex(kept.root()) === last.root) frontier = kept;
      } catch {
        // A frontier that does not parse is rebuilt from the log below.
      }
    }
    this.extend(frontier, this.log.head.seq);
    return frontier;
  }

  /** Folds the leaves after the frontier up to `size` into it (reads the hashes from the log). */
  private extend(frontier: MerkleFrontier, size: number): void {
    for (const hash of this.readHashes.iterate(frontier.size, size) as IterableIterator<string>)
      frontier.append(eventLeaf(hash, this.digest));
  }

  /** The suite field of this venue's checkpoints (left out for the default). */
  private get suite(): 'sm2-sm3' | undefined {
    return this.options.signer.suite === 'sm2-sm3' ? 'sm2-sm3' : undefined;
  }

  private raiseLoss(loss: RecordLoss): void {
    this.options.logger.fatal({ loss }, 'the record is behind or disagrees with its last signed checkpoint');
    this.options.alarms.raise({
      kind: 'record-behind-checkpoint',
      level: 3,
      subject: LOSS_ALARM_SUBJECT,
      details: { reason: loss.reason, anchor: loss.anchor, log: loss.log },
    });
  }

  start(): void {
    this.log.on('appended', this.onAppended);
    this.timer = setInterval(() => {
      if (this.log.head.seq > this.frontier.size && !this.loss)
        void this.checkpoint().catch((err) => this.options.logger.error({ err }, 'checkpoint failed'));
    }, this.options.settings.everySeconds * 1000);
    this.timer.unref();
  }

  /** Where this venue's anchors are and the keys that check them: what verify reads. */
  get sources(): AnchorSources {
    const { venue, checkpointFile, receiptFile, signer, platformKey } = this.options;
    return { venue, checkpointFile, receiptFile, venueKey: signer.verify, platformKey };
  }

  get degraded(): boolean {
    return this.loss !== null;
  }

  /**
   * Signs the log as it is now and appends the checkpoint (fsynced) to the checkpoint file. Nothing is signed
   * while the record is degraded: the edge does not vouch for a log that disagrees with what it signed before.
   */
  async checkpoint(now = Date.now()): Promise<CheckpointLine | null> {
    if (this.loss) return null;
    const size = this.log.head.seq;
    if (this.last && this.last.size === size && this.last.headHash === this.log.head.hash) return this.last;
    this.extend(this.frontier, size);
    const { signer, venue } = this.options;
    const unsigned = {
      venue,
      keyId: signer.keyId,
      size,
      root: toHex(this.frontier.root()),
      headHash: this.log.head.hash,
      at: now,
      ...(this.suite ? { suite: this.suite } : {}),
    };
    const line: CheckpointLine = {
      protocol: CHECKPOINT_PROTOCOL,
      ...unsigned,
      signature: signer.sign(checkpointManifest(unsigned)),
      frontier: this.frontier.toHex(),
    };
    this.last = line;
    await this.checkpoints.append(line);
    this.emit('checkpoint', line);
    return line;
  }

  /**
   * The RFC 9162 consistency proof from a checkpoint this edge signed (its frontier) to the tree of `size`
   * events, read from the log: what the city needs to check a new checkpoint extends the one it holds.
   */
  consistencyProof(from: CheckpointLine, size: number): Bytes[] {
    const leaves = (this.readHashes.all(from.size, size) as string[]).map((h) => eventLeaf(h, this.digest));
    const base = MerkleFrontier.fromHex(from.size, from.frontier, this.digest);
    return new MerkleTree(leaves, base, this.digest).consistencyProof(from.size, size);
  }

  /** Keeps a receipt from the city (fsynced to the receipt file); it must countersign one of our checkpoints. */
  async addReceipt(receipt: Receipt, line: CheckpointLine): Promise<void> {
    if (!receiptMatches(receipt, line))
      throw new Error(`receipt of size ${receipt.size} does not match the checkpoint`);
    await this.receipts.append(receipt);
    this.lastReceipted = { receipt, line };
  }

  get lastCheckpoint(): CheckpointLine | null {
    return this.last;
  }

  /** The last checkpoint the city countersigned, with the receipt: where the next consistency proof starts. */
  get receipted(): { receipt: Receipt; line: CheckpointLine } | null {
    return this.lastReceipted;
  }

  /**
   * An administrator accepts the loss: recorded as `record.loss-acknowledged` (with what was lost), the alarm
   * resolved, and checkpoints signed again over the log as it now is.
   */
  async acknowledgeLoss(by: string, reason: string): Promise<CheckpointLine | null> {
    const loss = this.loss;
    if (!loss) throw new Error('the record is not degraded: there is no loss to acknowledge');
    const lost = loss.reason === 'behind' ? loss.anchor.size - loss.log.headSeq : null;
    this.log.append({
      type: 'record.loss-acknowledged',
      actor: by,
      method: 'console-login',
      subject: LOSS_ALARM_SUBJECT,
      data: { reason, loss: loss.reason, anchor: loss.anchor, log: loss.log, eventsMissing: lost },
    });
    const alarm = this.options.alarms.openFor('record-behind-checkpoint', LOSS_ALARM_SUBJECT);
    if (alarm) this.options.alarms.resolve(alarm.id, by, reason);
    this.loss = null;
    this.frontier = MerkleFrontier.empty(this.digest);
    this.extend(this.frontier, this.log.head.seq);
    return this.checkpoint();
  }

  status(): AnchorStatus {
    const c = this.last;
    const r = this.lastReceipted?.receipt;
    return {
      state: this.loss ? 'degraded' : 'ok',
      loss: this.loss,
      lastCheckpoint: c && { size: c.size, root: c.root, headHash: c.headHash, at: c.at },
      lastReceipt: r ? { size: r.size, receivedAt: r.receivedAt, platformKeyId: r.platformKeyId } : null,
      checkpointFile: this.options.checkpointFile,
      receiptFile: this.options.receiptFile,
      settings: this.options.settings,
      problems: this.problems,
    };
  }

  /** The shutdown checkpoint (unless degraded), then the files closed. Call after the last event is appended. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.log.off('appended', this.onAppended);
    if (this.timer) clearInterval(this.timer);
    try {
      await this.checkpoint();
    } finally {
      await this.checkpoints.close();
      await this.receipts.close();
    }
  }
}
