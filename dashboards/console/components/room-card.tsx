import { ALARM_LEVEL_LABELS, SESSION_STATE_LABELS } from '../../i18n/domain.ts';
import { labelOf } from '../../i18n/index.ts';
import { camerasOf, roomOf } from '../alarm-places.ts';
import { type CameraOverview, healthOf } from '../camera-overview.ts';
import { sessionOfRoom } from '../pages/floor-map.tsx';
import { Timer } from '../pages/sessions.tsx';
import { openAlarms } from '../store.ts';
import { places, zoneName } from '../venue-labels.ts';
import { tw } from '../wall-messages.ts';
import { healthText, LiveVideo, showsLive } from './live-tile.tsx';

/**
 * A room at a glance: its session's state and timer, check-ins, open alarms (the highest level coloured) and the
 * room camera's live substream as its thumbnail (the edge has no still-image API; the live hub shares one pull).
 */
export function RoomCard({
  room,
  cameras,
  thumbnail = true,
}: {
  room: string;
  cameras: readonly CameraOverview[];
  /** The 大屏 leaves it out: its video wall shows the rooms' cameras. */
  thumbnail?: boolean;
}) {
  const session = sessionOfRoom(room);
  const alarms = openAlarms.value.filter((a) => roomOf(a, places.value) === room);
  const top = Math.max(0, ...alarms.map((a) => a.level));
  const camera = camerasOf(room, cameras, places.value.zones).find((c) => c.zone === room);
  return (
    <article
      class={`card room-card${session ? ` state-${session.state}` : ''}${top ? ` alarm-level-${top}` : ''}`}
      data-room-card={room}
      aria-label={zoneName(room)}
    >
      <header>
        <h2>{zoneName(room)}</h2>
        {session && <span class={`state state-${session.state}`}>{labelOf(SESSION_STATE_LABELS, session.state)}</span>}
      </header>
      {session ? (
        <p class="room-session">
          <span>{session.project.code}</span>
          <Timer session={session} />
        </p>
      ) : (
        <p class="hint">{tw('roomIdle')}</p>
      )}
      <p class="room-counts">
        {session && (
          <span data-testid="room-checkins">
            {tw('roomCheckins', { done: session.progress.checkedIn, total: session.progress.total })}
          </span>
        )}
        {top ? (
          <a href="#/alarms" class={`level level-${top}`} data-testid="room-alarms">
            {tw('roomAlarms', { n: alarms.length })} · {labelOf(ALARM_LEVEL_LABELS, String(top))}
          </a>
        ) : (
          <span class="hint" data-testid="room-alarms">
            {tw('roomNoAlarms')}
          </span>
        )}
      </p>
      {thumbnail && camera && (
        <div class="room-thumb" data-room-camera={camera.id}>
          {showsLive(camera) ? (
            <LiveVideo camera={camera.id} stream="sub" label={tw('roomCamera', { room: zoneName(room) })} />
          ) : (
            <div class="no-live">{healthText(healthOf(camera))}</div>
          )}
        </div>
      )}
    </article>
  );
}
