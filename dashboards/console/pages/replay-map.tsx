import { useEffect, useState } from 'preact/hooks';
import { request } from '../api.ts';
import { lastError, me, personLabel, venue } from '../store.ts';
import { zoneName } from '../venue-labels.ts';
import { tr } from './replay-messages.ts';
import { positionAt, type TrackPoint, trailBefore } from './replay-timeline.ts';

/** How much of each path is drawn behind the person. */
const TRAIL_MS = 60_000;

interface ExpertTrack {
  pseudonym: string;
  points: TrackPoint[];
}

/**
 * The session's experts' stored trajectories over the replay window, one `/api/tracking/trajectories` call per
 * expert (each recorded as `tracking.trajectory-viewed` by the signed-in user).
 */
function useTracks(sessionId: string, window: { from: number; to: number }): ExpertTrack[] | null {
  const [tracks, setTracks] = useState<ExpertTrack[] | null>(null);
  const by = me.value?.user.username ?? '';
  useEffect(() => {
    let live = true;
    setTracks(null);
    (async () => {
      const session = await request<{ experts: { pseudonym: string }[] }>(
        `/api/sessions/${encodeURIComponent(sessionId)}`,
      );
      const loaded = await Promise.all(
        session.experts.map(async ({ pseudonym }) => {
          const q = new URLSearchParams({
            person: pseudonym,
            from: String(window.from),
            to: String(window.to),
            by,
          });
          const { points } = await request<{ points: TrackPoint[] }>(`/api/tracking/trajectories?${q}`);
          return { pseudonym, points };
        }),
      );
      if (live) setTracks(loaded);
    })().catch((err: Error) => {
      if (live) lastError.value = err.message;
    });
    return () => {
      live = false;
    };
  }, [sessionId, window.from, window.to, by]);
  return tracks;
}

/**
 * The floor of the session's room beside the video: every expert where their badge was at the playhead, with
 * the last minute of their path behind them. Labels are pseudonyms; a name only where the console was given
 * it (administrator and witness, see hall-server/auth/redact.ts), never for auditors.
 */
export function ReplayMap({
  sessionId,
  room,
  window,
  playhead,
}: {
  sessionId: string;
  room: string;
  window: { from: number; to: number };
  playhead: number;
}) {
  const tracks = useTracks(sessionId, window);
  const v = venue.value;
  const floorId = v?.zones.find((z) => z.id === room)?.floor;
  const floor = v?.floors.find((f) => f.id === floorId) ?? v?.floors[0];
  if (!v || !floor) return null;
  const flip = (y: number) => floor.height - y;
  const here = (tracks ?? []).map((t) => ({
    ...t,
    at: positionAt(t.points, playhead),
    trail: trailBefore(t.points, playhead, TRAIL_MS).filter((p) => p.floor === floor.id),
  }));
  const onFloor = here.filter((t) => t.at?.floor === floor.id);
  return (
    <aside class="replay-map" data-testid="replay-map">
      <h3>
        {tr('mapTitle', { floor: floor.name })}{' '}
        <span class="hint" data-testid="replay-map-count">
          {tracks === null ? tr('loadingTracks') : tr('onFloor', { n: onFloor.length, total: tracks.length })}
        </span>
      </h3>
      <svg
        class="floor-map"
        viewBox={`-1 -1 ${floor.width + 2} ${floor.height + 2}`}
        preserveAspectRatio="xMidYMid meet"
        role="img"
        aria-label={floor.name}
      >
        {v.zones
          .filter((z) => z.floor === floor.id)
          .sort((a, b) => Number(Boolean(a.parent)) - Number(Boolean(b.parent)))
          .map((z) => (
            <g key={z.id} class={`zone zone-${z.type}${z.id === room ? ' session-room' : ''}`}>
              <polygon points={z.polygon.map(([x, y]) => `${x},${flip(y)}`).join(' ')} />
              <title>{zoneName(z.id)}</title>
            </g>
          ))}
        {here.map((t) =>
          t.trail.length > 1 ? (
            <polyline
              key={`trail-${t.pseudonym}`}
              class="trail"
              points={t.trail.map((p) => `${p.x},${flip(p.y)}`).join(' ')}
            />
          ) : null,
        )}
        {onFloor.map(({ pseudonym, at }) => (
          <g
            key={pseudonym}
            class="person role-expert"
            data-person={pseudonym}
            data-x={at!.x}
            data-y={at!.y}
            style={{ transform: `translate(${at!.x}px, ${flip(at!.y)}px)` }}
          >
            <circle r={0.6} />
            <text y={-0.9} class="person-label">
              {personLabel(pseudonym)}
            </text>
          </g>
        ))}
      </svg>
    </aside>
  );
}
