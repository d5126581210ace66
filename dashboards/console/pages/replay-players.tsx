import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { FootageSegment } from '../../../edge/video/footage-replay.ts';
import { formatTime } from '../../i18n/index.ts';
import { tr } from './replay-messages.ts';
import { type CallSpan, callAt, cameraAt, MAX_DRIFT_S } from './replay-timeline.ts';

/** What every player follows: the one playhead (epoch ms), whether it runs, and how fast. */
export interface Transport {
  playhead: number;
  playing: boolean;
  speed: number;
}

/**
 * Keeps a media element on the playhead: at `offsetS` into its file (put back when it drifts more than
 * MAX_DRIFT_S, e.g. after a seek), at the transport's speed, playing or paused with it.
 */
function useFollow(media: RefObject<HTMLMediaElement | null>, offsetS: number | null, transport: Transport) {
  useEffect(() => {
    const m = media.current;
    if (!m || offsetS === null) return;
    m.playbackRate = transport.speed;
    if (m.readyState >= 1 && Math.abs(m.currentTime - offsetS) > MAX_DRIFT_S) m.currentTime = offsetS;
    if (transport.playing && m.paused && !m.ended) void m.play().catch(() => {});
    if (!transport.playing && !m.paused) m.pause();
  });
}

/**
 * One camera's player, locked to the playhead: the segment recorded then, at the moment's offset, or 无录像 for
 * as long as the playhead is in a stretch this camera did not record (the other cameras play on). Each segment
 * is fetched from the replay route, which audits every playback.
 */
export function CameraPlayer({
  sessionId,
  camera,
  transport,
  register,
}: {
  sessionId: string;
  camera: { id: string; name: string; segments: FootageSegment[] };
  transport: Transport;
  /** Hands the page the playing element: the page's clock reads the playhead from a camera that is playing. */
  register: (camera: string, video: HTMLVideoElement | null) => void;
}) {
  const at = cameraAt(camera.segments, transport.playhead);
  const video = useRef<HTMLVideoElement>(null);
  const offset = useRef(0);
  offset.current = at?.offsetS ?? 0;
  useFollow(video, at?.offsetS ?? null, transport);
  useEffect(() => {
    register(camera.id, video.current);
    return () => register(camera.id, null);
  }, [at?.segment.id]);
  return (
    <figure class="replay-tile" data-camera={camera.id} data-state={at ? 'playing' : 'nothing'}>
      {at ? (
        <video
          key={at.segment.id}
          ref={video}
          data-testid="replay-video"
          data-camera={camera.id}
          data-segment={at.segment.id}
          data-start={at.segment.start}
          src={`/api/video/replay/${encodeURIComponent(sessionId)}/segments/${at.segment.id}`}
          preload="auto"
          muted
          onLoadedMetadata={(e) => {
            e.currentTarget.currentTime = offset.current;
          }}
        />
      ) : (
        <div class="no-footage" data-testid="camera-nothing">
          {tr('noFootageHere')}
        </div>
      )}
      <figcaption>
        {camera.name}
        {at && <span class="hint"> {formatTime(at.segment.start)}</span>}
      </figcaption>
    </figure>
  );
}

/** The call speaking at the playhead plays with it (the call recording route audits each listening). */
export function CallPlayer({
  sessionId,
  spans,
  transport,
}: {
  sessionId: string;
  spans: CallSpan[];
  transport: Transport;
}) {
  const at = callAt(spans, transport.playhead);
  const audio = useRef<HTMLAudioElement>(null);
  const offset = useRef(0);
  offset.current = at?.offsetS ?? 0;
  useFollow(audio, at?.offsetS ?? null, transport);
  if (!at) return null;
  return (
    <div class="replay-call-now">
      ☎ {tr('callNow', { call: at.call })}{' '}
      {/* biome-ignore lint/a11y/useMediaCaption: a call recording has no transcript to caption */}
      <audio
        key={at.call}
        ref={audio}
        data-testid="replay-call"
        data-call={at.call}
        src={`/api/sessions/${encodeURIComponent(sessionId)}/calls/${encodeURIComponent(at.call)}/recording`}
        preload="auto"
        controls
        onLoadedMetadata={(e) => {
          e.currentTarget.currentTime = offset.current;
        }}
      />
    </div>
  );
}
