import { execFileSync, spawnSync } from 'node:child_process';
import { videoTool } from '../devices/camera/video-tools.ts';

/** What ffprobe says of an audio file: codec, channel count, duration in seconds. */
export function probeAudio(file: string): { codec: string; channels: number; duration: number } {
  const out = JSON.parse(
    execFileSync(
      videoTool('ffprobe'),
      ['-v', 'error', '-show_entries', 'stream=codec_name,channels:format=duration', '-of', 'json', file],
      { encoding: 'utf8' },
    ),
  );
  return { codec: out.streams[0].codec_name, channels: out.streams[0].channels, duration: Number(out.format.duration) };
}

/** RMS level in dB of each channel of an audio file (ffmpeg's astats): -Infinity for digital silence. */
export function channelLevels(file: string): number[] {
  // astats prints its report on stderr.
  const { stderr } = spawnSync(
    videoTool('ffmpeg'),
    ['-hide_banner', '-i', file, '-af', 'astats=metadata=0', '-f', 'null', '-'],
    {
      encoding: 'utf8',
    },
  );
  return [...stderr.matchAll(/Channel: \d+[\s\S]*?RMS level dB: (-?[\d.]+|-inf)/g)].map((m) =>
    m[1] === '-inf' ? Number.NEGATIVE_INFINITY : Number(m[1]),
  );
}
