import { boxSize } from '../video/mp4-box-splitter.ts';

/** Which part of a fragmented MP4 stream a message carries. */
export type Mp4Unit = { kind: 'init' | 'fragment'; bytes: Buffer };

/** A relayed substream fragment is tens of kilobytes; anything near this is not a live substream. */
const MAX_UNIT_BYTES = 16 * 2 ** 20;

/**
 * Regroups a fragmented MP4 byte stream (as the live hub hands it to a viewer: pipe-sized pieces) into whole units:
 * the init segment (up to the end of `moov`) and each fragment (up to the end of its `mdat`). Relayed through the
 * city hub, one WebSocket message is one unit, so every hop can drop whole fragments for a slow reader without
 * reading MP4 itself, and what arrives still decodes.
 */
export class FragmentFramer {
  private pending: Buffer = Buffer.alloc(0);
  /** Where in `pending` the next top-level box header starts. */
  private next = 0;

  /** The units this chunk completes, in order; throws on a box header no MP4 writer produces. */
  push(chunk: Buffer): Mp4Unit[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const units: Mp4Unit[] = [];
    for (;;) {
      const size = boxSize(this.pending, this.next);
      if (size === null || this.next + size > this.pending.length) break;
      const type = this.pending.toString('latin1', this.next + 4, this.next + 8);
      this.next += size;
      if (type === 'moov' || type === 'mdat') {
        units.push({ kind: type === 'moov' ? 'init' : 'fragment', bytes: this.pending.subarray(0, this.next) });
        this.pending = this.pending.subarray(this.next);
        this.next = 0;
      }
    }
    if (this.pending.length > MAX_UNIT_BYTES) throw new Error(`MP4 unit over ${MAX_UNIT_BYTES} bytes`);
    return units;
  }
}
