import { ALARM_KIND_LABELS, ALARM_LEVEL_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf, locale } from '../../i18n/index.ts';
import { alarmMarks, roomOf } from '../alarm-places.ts';
import { byUrgency } from '../alarm-stack.ts';
import { roomsFirst, useCameraOverview } from '../camera-overview.ts';
import { RoomCard } from '../components/room-card.tsx';
import { t } from '../messages.ts';
import { now } from '../now.ts';
import { feedLive, openAlarms, venue } from '../store.ts';
import { alarmSubjectName, places, zoneName } from '../venue-labels.ts';
import { tw } from '../wall-messages.ts';
import { CameraTile } from './cameras.tsx';
import { FloorSvg, MapLegend } from './floor-map.tsx';
import { evaluationRooms } from './rooms.tsx';
import './monitoring.css';

/** Tiles on the video wall: the rooms' cameras first, up to a 3×3 wall. */
const WALL_TILES = 9;

function AlarmColumn() {
  const list = [...openAlarms.value].sort(byUrgency);
  return (
    <section class="wall-alarms" aria-label={tw('wallAlarms')}>
      <h2>{tw('wallAlarms')}</h2>
      {list.length === 0 && <p class="hint">{tw('wallNoAlarms')}</p>}
      <ol data-testid="wall-alarm-stack">
        {list.map((a) => {
          const room = roomOf(a, places.value);
          return (
            <li key={a.id} class={`wall-alarm level-${a.level}`} data-alarm={a.id} data-level={a.level}>
              <span class={`level level-${a.level}`}>{labelOf(ALARM_LEVEL_LABELS, String(a.level))}</span>
              <b>{labelOf(ALARM_KIND_LABELS, a.kind)}</b>
              <span>
                {room ? `${zoneName(room)} · ` : ''}
                {alarmSubjectName(a)}
              </span>
              <span class="hint">{formatTime(a.raisedAt)}</span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/**
 * 大屏 mode for a 1920×1080 or 3840×2160 wall screen, without scrolling: the floor plan with alarms by level, a card
 * per room, the open alarms with the highest level on top, and a video wall of the rooms' cameras. Everything
 * scales with the screen width; the console's menu and top bar give way to it (styles in monitoring.css).
 */
export function WallPage() {
  const v = venue.value;
  const cameras = useCameraOverview() ?? [];
  if (!v) return <p>{t('loading')}</p>;
  const floor = v.floors[0]!;
  const rooms = evaluationRooms();
  const wall = roomsFirst(cameras).slice(0, WALL_TILES);
  const side = Math.ceil(Math.sqrt(Math.max(1, wall.length)));
  return (
    <section class="wall" data-testid="wall">
      <header class="wall-head">
        <h1>{tw('wallTitle')}</h1>
        <span class="venue">{locale.value === 'en' ? v.nameEn : v.name}</span>
        <span class="wall-clock">{formatTime(now.value, 'datetime')}</span>
        <span class={feedLive.value ? 'feed live' : 'feed down'}>{feedLive.value ? t('feedLive') : t('feedDown')}</span>
        <a href="#/map" class="wall-exit">
          {tw('wallExit')}
        </a>
      </header>
      <section class="wall-map" aria-label={t('pageMap')}>
        <FloorSvg venue={v} floor={floor} marks={alarmMarks(openAlarms.value, places.value)} />
        <MapLegend />
      </section>
      <AlarmColumn />
      <section class="wall-rooms" aria-label={tw('wallRooms')}>
        {rooms.map((r) => (
          <RoomCard key={r.id} room={r.id} cameras={cameras} thumbnail={false} />
        ))}
      </section>
      <section class={`wall-video camera-grid layout-${side}`} aria-label={tw('wallVideo')} data-layout={side}>
        {wall.map((c) => (
          <CameraTile key={c.id} camera={c} />
        ))}
      </section>
    </section>
  );
}
