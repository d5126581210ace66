import { execFile } from 'node:child_process';

export type ProbeResult = { ok: true; durationS: number; codec: string } | { ok: false; reason: string };

/** A finished segment is valid when ffprobe reads it, it has a video stream and a positive duration. */
export function probeSegment(path: string): Promise<ProbeResult> {
  return new Promise((ok) => {
    execFile(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', path],
      { timeout: 10_000 },
      (err, stdout, stderr) => {
        if (err) return ok({ ok: false, reason: (stderr || err.message).trim().slice(0, 300) });
        try {
          const j = JSON.parse(stdout) as {
            format?: { duration?: string };
            streams?: { codec_type: string; codec_name: string }[];
          };
          const video = j.streams?.find((s) => s.codec_type === 'video');
          const durationS = Number(j.format?.duration ?? 0);
          if (!video) return ok({ ok: false, reason: 'no video stream' });
          if (!(durationS > 0)) return ok({ ok: false, reason: 'zero duration' });
          ok({ ok: true, durationS, codec: video.codec_name });
        } catch {
          ok({ ok: false, reason: 'ffprobe output unreadable' });
        }
      },
    );
  });
}
