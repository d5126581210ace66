import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { createFile, type ISOFile, Log, MP4BoxBuffer } from 'mp4box';

export type SegmentCheck =
  | { ok: true; durationS: number; codec: string; size: number; sha256: string }
  | { ok: false; reason: string };

// mp4box logs parse trouble to the console; the checker reports it as the segment's reason instead.
Log.setLogLevel(Log.error);

/** Bytes read per step: enough for the ftyp and mdat headers at the start, and a segment's whole moov. */
const HEADER_READ = 64 * 1024;
const HASH_READ = 1024 * 1024;

/**
 * A finished segment is valid when its MP4 structure parses (mp4box.js, in this process), it has a video track
 * with a positive duration, and every sample the index lists lies inside the file — so a file cut short is caught.
 * Only the boxes around the media data are read for the check: mp4box asks for the next box it needs and skips
 * mdat, so a 10 s 1080p segment (~5 MB, moov ~2 KB) costs two small reads. The SHA-256 then streams the whole
 * file; it is most of the cost. This replaced an ffprobe per segment (~0.09 s of CPU each, 14 % of a core for
 * 16 cameras with 10 s segments) and then a whole-file parse (~6 ms a segment).
 */
export async function checkSegment(path: string): Promise<SegmentCheck> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    return { ok: false, reason: `unreadable: ${(err as Error).message}` };
  }
  try {
    const size = (await file.stat()).size;
    const structure = await checkStructure(file, size);
    if (!structure.ok) return structure;
    return { ok: true, ...structure.video, size, sha256: await sha256Of(file, size) };
  } catch (err) {
    return { ok: false, reason: `unreadable: ${(err as Error).message}` };
  } finally {
    await file.close();
  }
}

async function checkStructure(
  file: FileHandle,
  size: number,
): Promise<{ ok: true; video: { durationS: number; codec: string } } | { ok: false; reason: string }> {
  const { mp4, problem } = parser();
  try {
    await feedBoxes(mp4, file, size);
  } catch (err) {
    return { ok: false, reason: `not an MP4 file: ${(err as Error).message}` };
  }
  if (problem()) return { ok: false, reason: problem()! };
  const info = mp4.getInfo();
  if (!info.hasMoov) return { ok: false, reason: 'no movie header (moov): the file is not a complete MP4' };
  const video = info.videoTracks[0];
  if (!video) return { ok: false, reason: 'no video track' };
  const durationS = info.timescale > 0 ? info.duration / info.timescale : 0;
  if (!(durationS > 0)) return { ok: false, reason: 'zero duration' };
  const samples = mp4.getTrackSamplesInfo(video.id);
  if (samples.length === 0) return { ok: false, reason: 'the video track has no samples' };
  const end = samples.reduce((max, s) => Math.max(max, s.offset + s.size), 0);
  if (end > size) return { ok: false, reason: `truncated: samples reach byte ${end} of ${size}` };
  return { ok: true, video: { durationS, codec: video.codec } };
}

/**
 * The video track of MP4 bytes held in memory (a live stream's init segment, ftyp+moov, or a whole file) as
 * mp4box.js reads it: the RFC 6381 codec string from the sample entry (avc1.64001f, hev1.1.6.L60.90, …), which
 * live view tells browsers, and the picture size. Null when it cannot be read.
 */
export function videoTrackIn(bytes: Buffer): { codec: string; width: number; height: number } | null {
  const { mp4, problem } = parser();
  try {
    const own = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    mp4.appendBuffer(MP4BoxBuffer.fromArrayBuffer(own, 0), true);
    mp4.flush();
  } catch {
    return null;
  }
  const track = problem() ? undefined : mp4.getInfo().videoTracks[0];
  return track ? { codec: track.codec, width: track.video?.width ?? 0, height: track.video?.height ?? 0 } : null;
}

/** An mp4box parser that keeps its parse errors (`problem()` is the first) instead of logging them. */
function parser(): { mp4: ISOFile; problem: () => string | null } {
  const mp4 = createFile(false);
  let problem: string | null = null;
  mp4.onError = (module: string, message: string) => {
    problem ??= `${module}: ${message}`;
  };
  return { mp4, problem: () => problem };
}

/** Hands mp4box the bytes it asks for, box after box, until the end of the file; it skips the media data. */
async function feedBoxes(mp4: ISOFile, file: FileHandle, size: number): Promise<void> {
  let at = 0;
  while (at < size) {
    const length = Math.min(HEADER_READ, size - at);
    const chunk = new ArrayBuffer(length);
    const { bytesRead } = await file.read(new Uint8Array(chunk), 0, length, at);
    const next = mp4.appendBuffer(MP4BoxBuffer.fromArrayBuffer(chunk.slice(0, bytesRead), at), at + bytesRead >= size);
    // A box claiming to end before where it starts would loop forever; mp4box then has all it can use.
    if (!(next > at)) break;
    at = next;
  }
  mp4.flush();
}

async function sha256Of(file: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(HASH_READ, Math.max(1, size)));
  for (let at = 0; at < size; ) {
    const { bytesRead } = await file.read(buffer, 0, buffer.length, at);
    if (bytesRead === 0) throw new Error(`the file ended at byte ${at} of ${size} while it was hashed`);
    hash.update(buffer.subarray(0, bytesRead));
    at += bytesRead;
  }
  return hash.digest('hex');
}
