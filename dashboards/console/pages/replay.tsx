import { useEffect, useRef, useState } from 'preact/hooks';
import type { TimeRange } from '../../../edge/video/coverage.ts';
import { GAP_TOLERANCE_MS } from '../../../edge/video/coverage.ts';
import type { FootageSegment, SessionReplay } from '../../../edge/video/footage-replay.ts';
import { SESSION_STATE_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf, TIME_ZONE } from '../../i18n/index.ts';
import { tp } from '../panel-messages.ts';
import { me } from '../store.ts';
import { zoneName } from '../venue-labels.ts';
import { tr } from './replay-messages.ts';
import { usePolled } from './use-polled.ts';
import './panels.css';

/** YYYY-MM-DD of a moment in venue time. */
const venueDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(ms);

interface SessionSummary {
  id: string;
  transactionCode: string;
  project: { code: string };
  room: string;
  state: string;
  start: number;
}

type Camera = SessionReplay['cameras'][number];

/** Where a period sits on the timeline's visible stretch, as CSS left/width in percent; hidden outside it. */
const place = (view: TimeRange, from: number, to: number) => {
  if (to < view.from || from > view.to) return { display: 'none' };
  const span = view.to - view.from;
  const left = Math.max(0, (from - view.from) / span) * 100;
  const right = Math.min(1, (to - view.from) / span) * 100;
  return { left: `${left}%`, width: `${Math.max(0.2, right - left)}%` };
};

/** Playback speeds offered (the 0.5×–8×). */
const SPEEDS = [0.5, 1, 2, 4, 8] as const;
/** Zoom steps: each halves or doubles the visible stretch; the narrowest shows 20 seconds. */
const MIN_VIEW_MS = 20_000;

/** The stretch `factor` times as wide around `centre`, kept within the whole window. */
function zoomed(view: TimeRange, whole: TimeRange, factor: number, centre: number): TimeRange {
  const width = Math.min(whole.to - whole.from, Math.max(MIN_VIEW_MS, (view.to - view.from) * factor));
  const from = Math.min(Math.max(whole.from, centre - width / 2), whole.to - width);
  return { from, to: from + width };
}

/** Consecutive segments (a break within the gap tolerance is no gap, as the server counts) drawn as one run. */
function runs(segments: FootageSegment[]): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (const s of segments) {
    const last = out.at(-1);
    if (last && s.start - last.to <= GAP_TOLERANCE_MS) last.to = Math.max(last.to, s.end);
    else out.push({ from: s.start, to: s.end });
  }
  return out;
}

/** The camera's footage is the session's for only part of its time (moved in or out while it ran). */
const partlyBound = (footage: SessionReplay, camera: Camera) =>
  camera.ranges.length !== 1 || camera.ranges[0]!.from > footage.from || camera.ranges[0]!.to < footage.to;

/** The segment holding a moment, or null where nothing was recorded (a gap is shown as one, not skipped). */
const segmentAt = (segments: FootageSegment[], at: number) => segments.find((s) => s.end > at && s.start <= at) ?? null;

interface RecordEvent {
  seq: number;
  at: number;
  type: string;
  actor: string | null;
  subject: string | null;
  data: Record<string, unknown>;
}

/** What a marker stands for: its colour and filter. */
const MARKER_KINDS = ['checkin', 'door', 'alarm', 'call', 'state', 'other'] as const;
type MarkerKind = (typeof MARKER_KINDS)[number];
const MARKER_LABEL: Record<MarkerKind, Parameters<typeof tr>[0]> = {
  checkin: 'markerCheckin',
  door: 'markerDoor',
  alarm: 'markerAlarm',
  call: 'markerCall',
  state: 'markerState',
  other: 'markerOther',
};

function markerKind(type: string): MarkerKind {
  if (type.startsWith('checkin.')) return 'checkin';
  if (type.startsWith('access.')) return 'door';
  if (type.startsWith('alarm.')) return 'alarm';
  if (type.startsWith('intercom.')) return 'call';
  if (type === 'session.state-changed') return 'state';
  return 'other';
}

/** The session's events on the footage's time axis, by kind (alarms by level), filterable; a click seeks there. */
function EventMarkers({
  view,
  events,
  onSeek,
}: {
  view: TimeRange;
  events: RecordEvent[];
  onSeek: (at: number) => void;
}) {
  const [hidden, setHidden] = useState<ReadonlySet<MarkerKind>>(new Set());
  const toggle = (kind: MarkerKind) => {
    const next = new Set(hidden);
    if (!next.delete(kind)) next.add(kind);
    setHidden(next);
  };
  return (
    <div class="replay-markers">
      <h3>
        {tr('markers')}{' '}
        {MARKER_KINDS.map((kind) => (
          <label key={kind} class={`marker-filter kind-${kind}`}>
            <input type="checkbox" data-filter={kind} checked={!hidden.has(kind)} onChange={() => toggle(kind)} />
            {tr(MARKER_LABEL[kind])} ({events.filter((e) => markerKind(e.type) === kind).length})
          </label>
        ))}
      </h3>
      <div class="timeline markers-bar">
        {events
          .filter((e) => !hidden.has(markerKind(e.type)))
          .map((e) => {
            const kind = markerKind(e.type);
            const level = kind === 'alarm' ? ` level-${String(e.data.level ?? '')}` : '';
            return (
              <button
                type="button"
                key={e.seq}
                class={`marker kind-${kind}${level}`}
                data-seq={e.seq}
                data-kind={kind}
                style={place(view, e.at, e.at)}
                title={`${formatTime(e.at)} ${e.type} ${e.actor ?? ''} ${e.subject ?? ''}`}
                onClick={() => onSeek(e.at)}
              />
            );
          })}
      </div>
    </div>
  );
}

/** The session's call recordings, each playable (the server audits each listening). */
function CallRecordings({ sessionId, events }: { sessionId: string; events: RecordEvent[] }) {
  const [call, setCall] = useState<string | null>(null);
  const calls = events.filter((e) => e.type === 'intercom.recording' && e.subject);
  if (calls.length === 0) return null;
  return (
    <div class="replay-calls">
      {tr('calls')}{' '}
      {calls.map((e) => (
        <button type="button" key={e.seq} data-call={e.subject} onClick={() => setCall(e.subject)}>
          ▶ {formatTime(e.at)}
        </button>
      ))}
      {call && (
        // biome-ignore lint/a11y/useMediaCaption: a call recording has no transcript to caption
        <audio
          data-testid="replay-call"
          data-call={call}
          src={`/api/sessions/${encodeURIComponent(sessionId)}/calls/${encodeURIComponent(call)}/recording`}
          autoplay
          controls
        />
      )}
    </div>
  );
}

/** Downloads the session's evidence package (auditor, administrator); the server records the export. */
function ExportEvidence({ sessionId }: { sessionId: string }) {
  const [state, setState] = useState<string | null>(null);
  const run = async () => {
    setState(tr('exporting'));
    const response = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/evidence`, {
      method: 'POST',
      credentials: 'same-origin',
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      setState(tr('exportFailed', { error: body.error ?? response.statusText }));
      return;
    }
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = `evidence-${sessionId}.zip`;
    link.click();
    URL.revokeObjectURL(link.href);
    setState(null);
  };
  return (
    <span>
      <button type="button" data-testid="export-evidence" onClick={run}>
        {tr('exportEvidence')}
      </button>{' '}
      {state && <span class="hint">{state}</span>}
    </span>
  );
}

function Timeline({
  footage,
  view,
  camera,
  playing,
  onPlay,
  onNothing,
}: {
  footage: SessionReplay;
  view: TimeRange;
  camera: Camera;
  playing: FootageSegment | null;
  onPlay: (s: FootageSegment, offsetS: number) => void;
  onNothing: (at: number) => void;
}) {
  const seek = (e: MouseEvent) => {
    const bar = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const at = view.from + ((e.clientX - bar.left) / bar.width) * (view.to - view.from);
    const s = segmentAt(camera.segments, at);
    if (s) onPlay(s, Math.max(0, (at - s.start) / 1000));
    else onNothing(at);
  };
  return (
    <div class="replay-camera" data-camera={camera.id}>
      <h3>
        <button
          type="button"
          class="play-first"
          disabled={camera.segments.length === 0}
          onClick={() => onPlay(camera.segments[0]!, 0)}
        >
          ▶
        </button>{' '}
        {camera.name} <span class="hint">{tp('segments', { n: camera.segments.length })}</span>{' '}
        <span class={camera.gaps.length ? 'hint bad' : 'hint'}>{tp('gaps', { n: camera.gaps.length })}</span>
        {partlyBound(footage, camera) && (
          <>
            {' '}
            <span class="hint bound-ranges">
              {tp('boundRanges', {
                ranges: camera.ranges.map((r) => `${formatTime(r.from)}–${formatTime(r.to)}`).join(', '),
              })}
            </span>
          </>
        )}
      </h3>
      <button type="button" class="timeline" onClick={seek}>
        {camera.ranges.map((r) => (
          <span key={`bound-${r.from}`} class="bound" style={place(view, r.from, r.to)} />
        ))}
        {runs(camera.segments).map((r) => (
          <span
            key={r.from}
            class="recorded"
            data-run={r.from}
            style={place(view, r.from, r.to)}
            title={`${formatTime(r.from)}–${formatTime(r.to)}`}
          />
        ))}
        {camera.gaps.map((g) => (
          <span
            key={g.from}
            class="gap"
            data-gap={g.from}
            style={place(view, g.from, g.to)}
            title={`${tp('gap')} ${formatTime(g.from)}–${formatTime(g.to)}`}
          />
        ))}
        {playing && <span class="cursor" style={place(view, playing.start, playing.end)} />}
      </button>
      <div class="timeline-scale hint">
        <span>{formatTime(view.from)}</span>
        <span>{formatTime(view.to)}</span>
      </div>
    </div>
  );
}

/**
 * Session footage replay (auditors): choose a day and a session, see the recorded segments and the gaps in the footage of
 * every camera whose footage is bound to it on a timeline (a camera moved in or out while it ran: only the time
 * bound to it, shaded), click a moment (or ▶) to play from there — the server audits each playback — and playback
 * runs on segment after segment.
 */
export function ReplayPage() {
  const [day, setDay] = useState(venueDay(Date.now()));
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [playing, setPlaying] = useState<{ camera: Camera; segment: FootageSegment; offsetS: number } | null>(null);
  const list = usePolled<SessionSummary[]>(`/api/sessions?day=${day}`, 0);
  const footage = usePolled<SessionReplay>(sessionId ? `/api/video/replay/${encodeURIComponent(sessionId)}` : null, 0);
  const events = usePolled<RecordEvent[]>(
    sessionId ? `/api/events?session=${encodeURIComponent(sessionId)}&limit=5000` : null,
    0,
  );
  const [nothingAt, setNothingAt] = useState<number | null>(null);
  const [zoom, setZoom] = useState<TimeRange | null>(null);
  const [speed, setSpeed] = useState<number>(1);
  const video = useRef<HTMLVideoElement>(null);
  const role = me.value?.user.role;
  const whole = footage ? { from: footage.from, to: footage.to } : null;
  const view = zoom ?? whole;
  /** The playhead: where the video is, else the middle of what is shown. */
  const playhead = () =>
    playing && video.current
      ? playing.segment.start + video.current.currentTime * 1000
      : view
        ? (view.from + view.to) / 2
        : 0;
  const zoomBy = (factor: number) => {
    if (view && whole) setZoom(zoomed(view, whole, factor, playhead()));
  };

  useEffect(() => {
    if (video.current) video.current.playbackRate = speed;
  }, [speed, playing]);

  // Keyboard: space plays/pauses, ←/→ move 10 s, + and − zoom around the playhead (not while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest('input, select, textarea')) return;
      const v = video.current;
      if (e.key === ' ' && v) v.paused ? void v.play() : v.pause();
      else if (e.key === 'ArrowRight' && v) v.currentTime += 10;
      else if (e.key === 'ArrowLeft' && v) v.currentTime = Math.max(0, v.currentTime - 10);
      else if (e.key === '+' || e.key === '=') zoomBy(0.5);
      else if (e.key === '-') zoomBy(2);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  const play = (camera: Camera, segment: FootageSegment, offsetS = 0) => {
    setNothingAt(null);
    setPlaying({ camera, segment, offsetS });
  };
  /** Plays the moment on the camera being watched if it recorded then, else on the first camera that did. */
  const seek = (at: number) => {
    if (!footage) return;
    const cameras = playing ? [playing.camera, ...footage.cameras] : footage.cameras;
    for (const camera of cameras) {
      const segment = segmentAt(camera.segments, at);
      if (segment) return play(camera, segment, (at - segment.start) / 1000);
    }
    setNothingAt(at);
  };
  const next = () => {
    if (!playing) return;
    const i = playing.camera.segments.findIndex((s) => s.id === playing.segment.id);
    const following = playing.camera.segments[i + 1];
    if (following) play(playing.camera, following);
  };

  return (
    <section class="replay">
      <div class="filters">
        <label>
          {tp('replayDay')}
          <input type="date" value={day} onInput={(e) => setDay(e.currentTarget.value)} />
        </label>
        <label>
          {tp('replaySession')}
          <select
            data-testid="replay-session"
            value={sessionId ?? ''}
            onChange={(e) => {
              setPlaying(null);
              setZoom(null);
              setSessionId(e.currentTarget.value || null);
            }}
          >
            <option value="">{tp('chooseSession')}</option>
            {(list ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {formatTime(s.start)} {zoneName(s.room)} · {s.transactionCode} · {s.project.code} ·{' '}
                {labelOf(SESSION_STATE_LABELS, s.state)}
              </option>
            ))}
          </select>
        </label>
        <span class="hint">{tp('replayAudited')}</span>
        {sessionId && (role === 'auditor' || role === 'administrator') && <ExportEvidence sessionId={sessionId} />}
      </div>
      {footage && view && footage.session.id === sessionId && (
        <>
          <div class="replay-controls">
            <button type="button" data-testid="zoom-in" onClick={() => zoomBy(0.5)}>
              {tr('zoomIn')}
            </button>
            <button type="button" data-testid="zoom-out" onClick={() => zoomBy(2)}>
              {tr('zoomOut')}
            </button>
            <button type="button" data-testid="zoom-whole" onClick={() => setZoom(null)}>
              {tr('zoomWhole')}
            </button>{' '}
            <button
              type="button"
              data-testid="play-pause"
              disabled={!playing}
              onClick={() => {
                const v = video.current;
                if (v) v.paused ? void v.play() : v.pause();
              }}
            >
              {tr('playPause')}
            </button>{' '}
            <label>
              {tr('speed')}
              <select
                data-testid="replay-speed"
                value={speed}
                onChange={(e) => setSpeed(Number(e.currentTarget.value))}
              >
                {SPEEDS.map((x) => (
                  <option key={x} value={x}>
                    {x}×
                  </option>
                ))}
              </select>
            </label>{' '}
            <span class="hint">{tr('keys')}</span>
          </div>
          {footage.cameras.every((c) => c.segments.length === 0) && <p class="empty">{tp('noFootage')}</p>}
          {events && <EventMarkers view={view} events={events} onSeek={seek} />}
          {events && sessionId && <CallRecordings sessionId={sessionId} events={events} />}
          {nothingAt !== null && (
            <p class="hint bad" data-testid="replay-nothing">
              {tr('noFootageAt', { time: formatTime(nothingAt) })}
            </p>
          )}
          {footage.cameras.map((c) => (
            <Timeline
              key={c.id}
              footage={footage}
              view={view}
              camera={c}
              playing={playing?.camera.id === c.id ? playing.segment : null}
              onPlay={(s, offsetS) => play(c, s, offsetS)}
              onNothing={setNothingAt}
            />
          ))}
        </>
      )}
      {playing && sessionId && (
        <figure class="replay-player">
          <video
            ref={video}
            data-testid="replay-video"
            data-segment={playing.segment.id}
            data-offset={Math.round(playing.offsetS)}
            src={`/api/video/replay/${encodeURIComponent(sessionId)}/segments/${playing.segment.id}`}
            autoplay
            muted
            controls
            onLoadedMetadata={(e) => {
              e.currentTarget.currentTime = playing.offsetS;
              e.currentTarget.playbackRate = speed;
            }}
            onEnded={next}
          />
          <figcaption>
            {tp('playing', {
              camera: playing.camera.name,
              from: formatTime(playing.segment.start),
              to: formatTime(playing.segment.end),
            })}
            <br />
            <span class="hint">
              {tp('sha256')} {playing.segment.sha256}
            </span>
          </figcaption>
        </figure>
      )}
    </section>
  );
}
