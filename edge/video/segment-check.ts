import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createFile, type ISOFile, Log, MP4BoxBuffer } from 'mp4box';

export type SegmentCheck =
  | { ok: true; durationS: number; codec: string; size: number; sha256: string }
  | { ok: false; reason: string };

// mp4box logs parse trouble to the console; the checker reports it as the segment's reason instead.
Log.setLogLevel(Log.error);

/**
 * A finished segment is valid when its MP4 structure parses (mp4box.js, in this process), it has a video track
 * with a positive duration, and every sample the index lists lies inside the file — so a file cut short is caught.
 * One read serves the check and the SHA-256. It replaced an ffprobe per segment, whose process start alone cost
 * ~0.09 s of CPU: 14 % of a core for 16 cameras with 10 s segments, more than the recording itself.
 */
export async function checkSegment(path: string): Promise<SegmentCheck> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return { ok: false, reason: `unreadable: ${(err as Error).message}` };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const { mp4, problem } = parseMp4(bytes);
  if (problem) return { ok: false, reason: problem };
  const info = mp4.getInfo();
  if (!info.hasMoov) return { ok: false, reason: 'no movie header (moov): the file is not a complete MP4' };
  const video = info.videoTracks[0];
  if (!video) return { ok: false, reason: 'no video track' };
  const durationS = info.timescale > 0 ? info.duration / info.timescale : 0;
  if (!(durationS > 0)) return { ok: false, reason: 'zero duration' };
  const samples = mp4.getTrackSamplesInfo(video.id);
  if (samples.length === 0) return { ok: false, reason: 'the video track has no samples' };
  const end = samples.reduce((max, s) => Math.max(max, s.offset + s.size), 0);
  if (end > bytes.length) return { ok: false, reason: `truncated: samples reach byte ${end} of ${bytes.length}` };
  return { ok: true, durationS, codec: video.codec, size: bytes.length, sha256 };
}

/**
 * Parses MP4 bytes with mp4box.js; `problem` is the first parse error (mp4box reports them by callback, or
 * throws for what is not MP4 at all). Also reads a live stream's init segment (ftyp+moov) for its codec.
 */
export function parseMp4(bytes: Buffer): { mp4: ISOFile; problem: string | null } {
  const mp4 = createFile();
  let problem: string | null = null;
  mp4.onError = (module: string, message: string) => {
    problem ??= `${module}: ${message}`;
  };
  try {
    // A file read whole owns its ArrayBuffer: hand it over rather than copy megabytes.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const buffer = MP4BoxBuffer.fromArrayBuffer(
      whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      0,
    );
    mp4.appendBuffer(buffer, true);
    mp4.flush();
  } catch (err) {
    problem = `not an MP4 file: ${(err as Error).message}`;
  }
  return { mp4, problem };
}
