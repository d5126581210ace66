import { EventEmitter } from 'node:events';

/** What a terminal's ID-card chip reader read (the face-terminal contract's `idcard-read`), for its kiosk page. */
export interface CardRead {
  idNumber: string;
  /** The chip photo, base64 as the reader sent it. */
  photo: string;
}

/** How long a card read waits for the kiosk page to take it: the expert is standing at the terminal. */
export const CARD_READ_TTL_MS = 60_000;

/**
 * Card reads handed from a terminal's chip reader (an MQTT device) to the kiosk page on that terminal's screen (a
 * browser, which holds no device credential): the page paired under the terminal's device id asks for the next read
 * after the last one it saw. Each terminal keeps only its latest read, in memory, for `CARD_READ_TTL_MS` at most.
 */
export class CardReads {
  private seq = 0;
  private readonly latest = new Map<string, CardRead & { seq: number; at: number; expiry: NodeJS.Timeout }>();
  private readonly arrived = new EventEmitter().setMaxListeners(0);

  constructor(private readonly now: () => number = Date.now) {}

  put(terminal: string, card: CardRead): void {
    clearTimeout(this.latest.get(terminal)?.expiry);
    const expiry = setTimeout(() => this.latest.delete(terminal), CARD_READ_TTL_MS).unref();
    this.latest.set(terminal, { ...card, seq: ++this.seq, at: this.now(), expiry });
    this.arrived.emit(terminal);
  }

  /** The newest sequence number: a page that starts asks from here, so a read before it loaded is not replayed. */
  get position(): number {
    return this.seq;
  }

  /** The terminal's read after `after`, if one is fresh. */
  readAfter(terminal: string, after: number): (CardRead & { seq: number }) | null {
    const read = this.latest.get(terminal);
    if (!read || read.seq <= after || this.now() - read.at > CARD_READ_TTL_MS) return null;
    return { idNumber: read.idNumber, photo: read.photo, seq: read.seq };
  }

  /** Waits up to `timeoutMs` (or until `signal` aborts) for the terminal's next read after `after`. */
  next(
    terminal: string,
    after: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<(CardRead & { seq: number }) | null> {
    const now = this.readAfter(terminal, after);
    if (now || signal?.aborted) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.arrived.off(terminal, check);
        signal?.removeEventListener('abort', done);
        resolve(this.readAfter(terminal, after));
      };
      const check = () => {
        if (this.readAfter(terminal, after)) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.arrived.on(terminal, check);
      signal?.addEventListener('abort', done);
    });
  }
}
