/** Called once per message: with no error after its effects are committed, with the error when they are not. */
export type Acknowledge = (err: Error | null) => void;

/** Runs work in one database transaction (nested calls are savepoints); EventLog.transaction is one. */
export type Transaction = (work: () => void) => void;

interface Pending {
  work: () => void;
  ack: Acknowledge;
}

/**
 * A device message is acknowledged only after what it caused is committed (DESIGN.md, Record). The messages
 * that arrive in one turn of the event loop (a socket read holds many) are handled in one transaction, then all
 * their acknowledgements are released: one commit per batch instead of one per message.
 *
 * Each message runs in its own savepoint: when its handling throws (the record refused to write, the disk is
 * full), only its effects are rolled back and only it is refused; the publisher sends it again. When the commit
 * itself fails, no message of the batch is acknowledged.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  readonly stats = { batches: 0, messages: 0, refused: 0, largestBatch: 0 };

  constructor(
    private readonly transaction: Transaction,
    /** A burst larger than this is committed without waiting for the turn to end, so a batch stays bounded. */
    private readonly maxBatch = 2000,
  ) {}

  submit(work: () => void, ack: Acknowledge): void {
    this.queue.push({ work, ack });
    if (this.queue.length >= this.maxBatch) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commits what is queued and releases its acknowledgements. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const failures = new Map<Pending, Error>();
    try {
      this.transaction(() => {
        for (const item of batch) {
          try {
            this.transaction(item.work);
          } catch (err) {
            failures.set(item, asError(err));
          }
        }
      });
    } catch (err) {
      this.stats.refused += batch.length;
      for (const item of batch) item.ack(asError(err));
      return;
    }
    this.stats.batches++;
    this.stats.messages += batch.length;
    this.stats.refused += failures.size;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    for (const item of batch) item.ack(failures.get(item) ?? null);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
