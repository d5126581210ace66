/** A slice of an MP4 byte stream. `box` is set when the slice starts with the header of a top-level box. */
export interface Mp4Piece {
  bytes: Buffer;
  box?: string;
}

/**
 * Cuts a byte stream of MP4 boxes (ffmpeg's fragmented MP4 on a pipe) at top-level box boundaries without copying
 * box bodies: each piece is a slice of the chunk it came in. Only a box header cut by the end of a chunk (at most
 * 16 bytes) is held back and joined to the next one. Live view forwards ~8 MB/s for 16 cameras; reassembling
 * whole fragments allocated that two or three times over, and the garbage collection it caused cost more CPU than
 * the remuxing ffmpeg processes.
 */
export class Mp4BoxSplitter {
  /** Bytes left in the current box's body. */
  private remaining = 0;
  /** The start of a header the previous chunk ended in. */
  private heldHeader: Buffer | null = null;

  /** Splits one chunk; throws on a box header no MP4 writer produces. */
  push(chunk: Buffer): Mp4Piece[] {
    const data = this.heldHeader ? Buffer.concat([this.heldHeader, chunk]) : chunk;
    this.heldHeader = null;
    const pieces: Mp4Piece[] = [];
    let at = 0;
    if (this.remaining > 0) {
      at = Math.min(this.remaining, data.length);
      pieces.push({ bytes: data.subarray(0, at) });
      this.remaining -= at;
    }
    while (at < data.length) {
      const size = boxSize(data, at);
      if (size === null) {
        this.heldHeader = Buffer.from(data.subarray(at));
        break;
      }
      const end = Math.min(at + size, data.length);
      pieces.push({ bytes: data.subarray(at, end), box: data.toString('latin1', at + 4, at + 8) });
      this.remaining = at + size - end;
      at = end;
    }
    return pieces;
  }
}

/** Size of the box whose header starts at `at`, or null when the header is not all there. */
export function boxSize(data: Buffer, at: number): number | null {
  if (data.length - at < 8) return null;
  const size = data.readUInt32BE(at);
  if (size === 1) {
    // 64-bit size after the type; a live fragment never nears 2^53 bytes.
    return data.length - at < 16 ? null : Number(data.readBigUInt64BE(at + 8));
  }
  if (size < 8) throw new Error(`MP4 box '${data.toString('latin1', at + 4, at + 8)}' declares ${size} bytes`);
  return size;
}
