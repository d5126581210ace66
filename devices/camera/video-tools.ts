import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

/**
 * Where ffmpeg and ffprobe are: the system's (Debian's `ffmpeg` package, preferred: current and patched) when they
 * are on PATH, else the static builds that ship inside the optional npm packages @ffmpeg-installer/ffmpeg and
 * @ffprobe-installer/ffprobe, so a fresh machine without the Debian packages still records and plays video.
 * Those builds are GPL programs run as separate processes, never linked (docs/operations.md).
 */
export type VideoTool = 'ffmpeg' | 'ffprobe';

const PACKAGED: Record<VideoTool, string> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};

const require = createRequire(import.meta.url);

function onPath(tool: string, path: string): string | null {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

function packaged(tool: VideoTool): string | null {
  try {
    // The package throws when no build exists for this platform.
    return (require(PACKAGED[tool]) as { path: string }).path;
  } catch {
    return null;
  }
}

/** The program to run for `tool`; the bare name when neither is found, so the spawn error names what is missing. */
export function videoTool(tool: VideoTool, path = process.env.PATH ?? ''): string {
  return onPath(tool, path) ?? packaged(tool) ?? tool;
}

/** Which of the two cannot be found at all (the demo runs without cameras then, and says why). */
export function missingVideoTools(path = process.env.PATH ?? ''): VideoTool[] {
  return (['ffmpeg', 'ffprobe'] as const).filter((tool) => videoTool(tool, path) === tool);
}

const timeoutOptions = new Map<string, string>();

/**
 * The RTSP demuxer's socket I/O timeout option (microseconds): `-timeout` since FFmpeg 5, `-stimeout` before —
 * where 4.x's `-timeout` meant "listen for a connection" instead, so passing it to an old build breaks the pull.
 * Read from the build's own option list, once per program.
 */
export function rtspTimeoutOption(program = videoTool('ffmpeg')): string {
  let option = timeoutOptions.get(program);
  if (!option) {
    const help = spawnSync(program, ['-hide_banner', '-h', 'demuxer=rtsp'], { encoding: 'utf8' }).stdout ?? '';
    option = /^\s*-stimeout\s/m.test(help) ? '-stimeout' : '-timeout';
    timeoutOptions.set(program, option);
  }
  return option;
}
