import { Duplex } from 'node:stream';

export class PacketTooLarge extends Error {}

/**
 * Follows the MQTT fixed headers of a byte stream and calls `refuse` as soon as one announces a packet larger
 * than `limit()` bytes — before the body is read, so an oversized packet never sits in memory. The Remaining
 * Length is a variable byte integer of at most four bytes [MQTT-2.2.3].
 */
export class PacketSizeGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(private readonly limit: () => number) {}

  /** Throws PacketTooLarge when a header in the chunk announces too large (or malformed) a packet. */
  check(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const skip = Math.min(this.bodyLeft, chunk.length - i);
        i += skip;
        this.bodyLeft -= skip;
        if (this.bodyLeft === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = this.lengthBytes = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) throw new PacketTooLarge('malformed remaining length');
        continue;
      }
      const size = 1 + this.lengthBytes + this.length;
      if (size > this.limit()) throw new PacketTooLarge(`packet of ${size} bytes is over ${this.limit()}`);
      this.bodyLeft = this.length;
      this.state = this.length === 0 ? 'type' : 'body';
    }
  }
}

/**
 * A connection (TCP, TLS or WebSocket stream) that the broker reads through a PacketSizeGuard: a packet over
 * `limit` destroys it and calls `onRefused`. Writes go straight through. The limit is raised once the client
 * has authenticated and its kind is known.
 */
export class PacketLimitedStream extends Duplex {
  limit: number;

  constructor(
    /** The connection underneath (a TLS socket carries the client's certificate). */
    readonly socket: Duplex,
    limit: number,
    onRefused: (stream: PacketLimitedStream, error: PacketTooLarge) => void,
  ) {
    super();
    this.limit = limit;
    const guard = new PacketSizeGuard(() => this.limit);
    socket.on('data', (chunk: Buffer) => {
      try {
        guard.check(chunk);
      } catch (err) {
        socket.pause();
        onRefused(this, err as PacketTooLarge);
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    // Whatever the broker has not read yet is still delivered before the connection counts as closed.
    socket.on('close', () => (this.readableLength === 0 ? this.destroy() : this.once('end', () => this.destroy())));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.socket.write(chunk, encoding, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end(done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }
}
