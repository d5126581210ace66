import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { TimeRange } from '../../../edge/video/coverage.ts';
import type { SessionReplay } from '../../../edge/video/footage-replay.ts';
import { SESSION_STATE_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf, TIME_ZONE } from '../../i18n/index.ts';
import { tp } from '../panel-messages.ts';
import { me } from '../store.ts';
import { zoneName } from '../venue-labels.ts';
import { ReplayMap } from './replay-map.tsx';
import { tr } from './replay-messages.ts';
import { CallPlayer, CameraPlayer } from './replay-players.tsx';
import {
  type CallSpan,
  callSpans,
  cameraAt,
  type RecordEvent,
  replayOpenPaths,
  runs,
  zoomed,
} from './replay-timeline.ts';
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

/** The camera's footage is the session's for only part of its time (moved in or out while it ran). */
const partlyBound = (footage: SessionReplay, camera: Camera) =>
  camera.ranges.length !== 1 || camera.ranges[0]!.from > footage.from || camera.ranges[0]!.to < footage.to;

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

/** The session's call recordings: each button moves the playhead to the call, which then plays with it. */
function CallList({ spans, onSeek }: { spans: CallSpan[]; onSeek: (at: number) => void }) {
  if (spans.length === 0) return null;
  return (
    <div class="replay-calls">
      {tr('calls')}{' '}
      {spans.map((s) => (
        <button type="button" key={s.call} data-call={s.call} onClick={() => onSeek(s.from)}>
          ▶ {formatTime(s.from)}–{formatTime(s.to)}
        </button>
      ))}
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

/** One camera's coverage on the timeline: recorded runs, true gaps, the playhead; a click moves the playhead. */
function Timeline({
  footage,
  view,
  camera,
  playhead,
  onSeek,
  onPlayFrom,
}: {
  footage: SessionReplay;
  view: TimeRange;
  camera: Camera;
  playhead: number;
  onSeek: (at: number) => void;
  /** ▶ beside the camera's name: every camera plays from this camera's first recording. */
  onPlayFrom: (at: number) => void;
}) {
  const seek = (e: MouseEvent) => {
    const bar = (e.currentTarget as HTMLElement).getBoundingClientRect();
    onSeek(view.from + ((e.clientX - bar.left) / bar.width) * (view.to - view.from));
  };
  return (
    <div class="replay-camera" data-camera={camera.id}>
      <h3>
        <button
          type="button"
          class="play-first"
          disabled={camera.segments.length === 0}
          onClick={() => onPlayFrom(camera.segments[0]!.start)}
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
        <span class="cursor" style={place(view, playhead, playhead)} />
      </button>
    </div>
  );
}

/** How often the clock moves the playhead while playing (and the page redraws it). */
const TICK_MS = 200;

/**
 * The one playhead every player follows. While playing it is read from a camera that is playing footage (so the
 * pictures lead and the clock follows them, at any speed); where no camera has footage it runs on the wall clock
 * at the chosen speed, through the gap, until footage starts again. It stops at the end of the window.
 */
function useTransport(window: TimeRange | null) {
  const [playhead, setPlayhead] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const videos = useRef(new Map<string, HTMLVideoElement>());
  useEffect(() => {
    if (window) setPlayhead(window.from);
    setPlaying(false);
  }, [window?.from, window?.to]);
  useEffect(() => {
    if (!playing || !window) return;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const elapsed = (now - last) * speed;
      last = now;
      const lead = [...videos.current.values()].find((v) => !v.paused && !v.ended && v.readyState >= 2);
      setPlayhead((p) => {
        const next = lead ? Number(lead.dataset.start) + lead.currentTime * 1000 : p + elapsed;
        if (next >= window.to) setPlaying(false);
        return Math.min(window.to, Math.max(p, next));
      });
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [playing, speed, window?.from, window?.to]);
  const register = (camera: string, video: HTMLVideoElement | null) => {
    if (video) videos.current.set(camera, video);
    else videos.current.delete(camera);
  };
  const seek = (at: number) => {
    if (window) setPlayhead(Math.min(window.to, Math.max(window.from, at)));
  };
  return { transport: { playhead, playing, speed }, setPlaying, setSpeed, seek, register };
}

/**
 * Session replay (auditors, administrators; witnesses for their sessions): choose a day and a session; every
 * camera locked to it plays side by side on one playhead (a camera that recorded nothing then says so while the
 * others play), over one timeline with each camera's coverage and true gaps and the session's events as markers;
 * the floor map beside shows the experts where they were at the playhead, and a call recorded then plays with
 * it. The server audits the replay, each segment played, each track and each call heard.
 */
export function ReplayPage() {
  const [day, setDay] = useState(venueDay(Date.now()));
  const [sessionId, setSessionId] = useState<string | null>(null);
  const list = usePolled<SessionSummary[]>(`/api/sessions?day=${day}`, 0);
  const paths = sessionId ? replayOpenPaths(sessionId) : null;
  const footage = usePolled<SessionReplay>(paths?.footage ?? null, 0);
  const events = usePolled<RecordEvent[]>(paths?.markers ?? null, 0);
  const [zoom, setZoom] = useState<TimeRange | null>(null);
  const role = me.value?.user.role;
  const ready = footage && footage.session.id === sessionId ? footage : null;
  const whole = useMemo(() => (ready ? { from: ready.from, to: ready.to } : null), [ready]);
  const view = zoom ?? whole;
  const { transport, setPlaying, setSpeed, seek, register } = useTransport(whole);
  const spans = useMemo(() => callSpans(events ?? []), [events]);
  // From the zoom as it is when the update runs (a key pressed right after a click must not start from the old one).
  const zoomBy = (factor: number) => {
    if (whole) setZoom((shown) => zoomed(shown ?? whole, whole, factor, transport.playhead));
  };
  const speedBy = (step: number) => {
    const i = SPEEDS.indexOf(transport.speed as (typeof SPEEDS)[number]) + step;
    if (i >= 0 && i < SPEEDS.length) setSpeed(SPEEDS[i]!);
  };

  // Keyboard: space plays/pauses, ←/→ move 10 s, ↑/↓ change speed, + and − zoom around the playhead.
  useEffect(() => {
    if (!ready) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest('input, select, textarea')) return;
      if (e.key === ' ') setPlaying(!transport.playing);
      else if (e.key === 'ArrowRight') seek(transport.playhead + 10_000);
      else if (e.key === 'ArrowLeft') seek(transport.playhead - 10_000);
      else if (e.key === 'ArrowUp') speedBy(1);
      else if (e.key === 'ArrowDown') speedBy(-1);
      else if (e.key === '+' || e.key === '=') zoomBy(0.5);
      else if (e.key === '-') zoomBy(2);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  const nothingAnywhere = ready?.cameras.every((c) => cameraAt(c.segments, transport.playhead) === null);
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
      {ready && view && sessionId && (
        <>
          <div class="replay-controls">
            <button type="button" data-testid="play-pause" onClick={() => setPlaying(!transport.playing)}>
              {transport.playing ? tr('pause') : tr('play')}
            </button>{' '}
            <strong data-testid="replay-playhead" data-at={Math.round(transport.playhead)}>
              {formatTime(transport.playhead)}
            </strong>{' '}
            <label>
              {tr('speed')}
              <select
                data-testid="replay-speed"
                value={transport.speed}
                onChange={(e) => setSpeed(Number(e.currentTarget.value))}
              >
                {SPEEDS.map((x) => (
                  <option key={x} value={x}>
                    {x}×
                  </option>
                ))}
              </select>
            </label>{' '}
            <button type="button" data-testid="zoom-in" onClick={() => zoomBy(0.5)}>
              {tr('zoomIn')}
            </button>
            <button type="button" data-testid="zoom-out" onClick={() => zoomBy(2)}>
              {tr('zoomOut')}
            </button>
            <button type="button" data-testid="zoom-whole" onClick={() => setZoom(null)}>
              {tr('zoomWhole')}
            </button>{' '}
            <span class="hint">{tr('keys')}</span>
          </div>
          {ready.cameras.every((c) => c.segments.length === 0) && <p class="empty">{tp('noFootage')}</p>}
          {nothingAnywhere && (
            <p class="hint bad" data-testid="replay-nothing">
              {tr('noFootageAt', { time: formatTime(transport.playhead) })}
            </p>
          )}
          <div class="replay-stage">
            <div class="replay-grid">
              {ready.cameras.map((c) => (
                <CameraPlayer key={c.id} sessionId={sessionId} camera={c} transport={transport} register={register} />
              ))}
            </div>
            <ReplayMap sessionId={sessionId} room={ready.session.room} window={whole!} playhead={transport.playhead} />
          </div>
          <CallPlayer sessionId={sessionId} spans={spans} transport={transport} />
          {events && <EventMarkers view={view} events={events} onSeek={seek} />}
          <CallList spans={spans} onSeek={seek} />
          {ready.cameras.map((c) => (
            <Timeline
              key={c.id}
              footage={ready}
              view={view}
              camera={c}
              playhead={transport.playhead}
              onSeek={seek}
              onPlayFrom={(at) => {
                seek(at);
                setPlaying(true);
              }}
            />
          ))}
          <div class="timeline-scale hint">
            <span>{formatTime(view.from)}</span>
            <span>{formatTime(view.to)}</span>
          </div>
        </>
      )}
    </section>
  );
}
