import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Mp4BoxSplitter, type Mp4Piece } from './mp4-box-splitter.ts';

/** 3 s of fragmented MP4 the way the live hub asks ffmpeg for it (one fragment per keyframe, every second). */
const fmp4 = execFileSync(
  'ffmpeg',
  [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10', '-t', '3', '-c:v', 'libx264'],
    ...['-g', '10', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1'],
  ],
  { maxBuffer: 64 << 20 },
);

/** Feeds `bytes` in pieces of the given sizes, cycling through them. */
function feed(splitter: Mp4BoxSplitter, bytes: Buffer, sizes: number[]): Mp4Piece[] {
  const pieces: Mp4Piece[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    pieces.push(...splitter.push(bytes.subarray(at, at + size)));
    at += size;
  }
  return pieces;
}

describe('MP4 box splitter', () => {
  it('marks every top-level box where it starts and loses no byte, however the pipe cuts the stream', () => {
    for (const sizes of [[1], [7, 3], [4096], [65536], [fmp4.length]]) {
      const pieces = feed(new Mp4BoxSplitter(), fmp4, sizes);
      expect(Buffer.concat(pieces.map((p) => p.bytes)).equals(fmp4)).toBe(true);
      const starts = pieces.filter((p) => p.box);
      expect(starts.slice(0, 2).map((p) => p.box)).toEqual(['ftyp', 'moov']);
      // One moof+mdat pair per keyframe: 3 s at a keyframe a second.
      expect(
        starts
          .slice(2)
          .map((p) => p.box)
          .join(','),
      ).toMatch(/^(moof,mdat,){3}/);
      // A marked piece starts with its own header: the size field is where the box type says it is.
      for (const p of starts) expect(p.bytes.toString('latin1', 4, 8)).toBe(p.box);
    }
  });

  it('hands on box bodies without copying them', () => {
    const splitter = new Mp4BoxSplitter();
    const chunk = fmp4.subarray(0, 65536);
    for (const p of splitter.push(chunk)) expect(p.bytes.buffer).toBe(chunk.buffer);
  });

  it('reads 64-bit box sizes', () => {
    const large = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('mdat'), Buffer.alloc(8), Buffer.alloc(20, 7)]);
    large.writeBigUInt64BE(BigInt(large.length), 8);
    const next = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('moof')]);
    const pieces = feed(new Mp4BoxSplitter(), Buffer.concat([large, next]), [12, 30]);
    expect(pieces.filter((p) => p.box).map((p) => p.box)).toEqual(['mdat', 'moof']);
  });

  it('refuses a header no MP4 writer produces, naming the box', () => {
    const bad = Buffer.concat([Buffer.from([0, 0, 0, 4]), Buffer.from('moof')]);
    expect(() => new Mp4BoxSplitter().push(bad)).toThrow("MP4 box 'moof' declares 4 bytes");
  });
});
