import { useState } from 'preact/hooks';
import { GAP_TOLERANCE_MS } from '../../../edge/video/coverage.ts';
import type { FootageSegment, SessionFootage } from '../../../hall-server/routes/footage.ts';
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

type Camera = SessionFootage['cameras'][number];

/** Where a period sits on the session's timeline, as CSS left/width in percent. */
const place = (footage: SessionFootage, from: number, to: number) => {
  const span = footage.to - footage.from;
  const left = Math.max(0, (from - footage.from) / span) * 100;
  const right = Math.min(1, (to - footage.from) / span) * 100;
  return { left: `${left}%`, width: `${Math.max(0.2, right - left)}%` };
};

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
const partlyBound = (footage: SessionFootage, camera: Camera) =>
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
  footage,
  events,
  onSeek,
}: {
  footage: SessionFootage;
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
                style={place(footage, e.at, e.at)}
                title={`${formatTime(e.at)} ${e.type} ${e.actor ?? ''} ${e.subject ?? ''}`}
                onClick={() => onSeek(e.at)}
              />
            );
          })}
      </div>
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
  camera,
  playing,
  onPlay,
  onNothing,
}: {
  footage: SessionFootage;
  camera: Camera;
  playing: FootageSegment | null;
  onPlay: (s: FootageSegment, offsetS: number) => void;
  onNothing: (at: number) => void;
}) {
  const seek = (e: MouseEvent) => {
    const bar = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const at = footage.from + ((e.clientX - bar.left) / bar.width) * (footage.to - footage.from);
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
          <span key={`bound-${r.from}`} class="bound" style={place(footage, r.from, r.to)} />
        ))}
        {runs(camera.segments).map((r) => (
          <span
            key={r.from}
            class="recorded"
            data-run={r.from}
            style={place(footage, r.from, r.to)}
            title={`${formatTime(r.from)}–${formatTime(r.to)}`}
          />
        ))}
        {camera.gaps.map((g) => (
          <span
            key={g.from}
            class="gap"
            data-gap={g.from}
            style={place(footage, g.from, g.to)}
            title={`${tp('gap')} ${formatTime(g.from)}–${formatTime(g.to)}`}
          />
        ))}
        {playing && <span class="cursor" style={place(footage, playing.start, playing.end)} />}
      </button>
      <div class="timeline-scale hint">
        <span>{formatTime(footage.from)}</span>
        <span>{formatTime(footage.to)}</span>
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
  const footage = usePolled<SessionFootage>(sessionId ? `/api/video/replay/${encodeURIComponent(sessionId)}` : null, 0);
  const events = usePolled<RecordEvent[]>(
    sessionId ? `/api/events?session=${encodeURIComponent(sessionId)}&limit=5000` : null,
    0,
  );
  const [nothingAt, setNothingAt] = useState<number | null>(null);
  const role = me.value?.user.role;

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
      {footage && footage.session.id === sessionId && (
        <>
          {footage.cameras.every((c) => c.segments.length === 0) && <p class="empty">{tp('noFootage')}</p>}
          {events && <EventMarkers footage={footage} events={events} onSeek={seek} />}
          {nothingAt !== null && (
            <p class="hint bad" data-testid="replay-nothing">
              {tr('noFootageAt', { time: formatTime(nothingAt) })}
            </p>
          )}
          {footage.cameras.map((c) => (
            <Timeline
              key={c.id}
              footage={footage}
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
            data-testid="replay-video"
            data-segment={playing.segment.id}
            data-offset={Math.round(playing.offsetS)}
            src={`/api/video/replay/${encodeURIComponent(sessionId)}/segments/${playing.segment.id}`}
            autoplay
            muted
            controls
            onLoadedMetadata={(e) => {
              e.currentTarget.currentTime = playing.offsetS;
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
