import { ALARM_KIND_LABELS, ALARM_LEVEL_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf } from '../../i18n/index.ts';
import { ta } from '../action-messages.ts';
import { camerasOf, roomOf } from '../alarm-places.ts';
import { alarmStack } from '../alarm-stack.ts';
import { useCameraOverview } from '../camera-overview.ts';
import { t } from '../messages.ts';
import { INTERCOM_ROLES } from '../pages/intercom.tsx';
import { callRoom, myCall } from '../pages/intercom-calls.ts';
import { alarms, lastError, me, raisedHere } from '../store.ts';
import type { Alarm } from '../types.ts';
import { alarmSubjectName, places, zoneName } from '../venue-labels.ts';
import { tw } from '../wall-messages.ts';
import '../pages/monitoring.css';
import { AlarmActions } from './alarm-actions.tsx';
import { LiveVideo, showsLive } from './live-tile.tsx';

/** The live view of the camera that films the alarm's room (or the zone around it), if one plays. */
function LinkedCamera({ room }: { room: string | null }) {
  const cameras = useCameraOverview() ?? [];
  const camera = camerasOf(room, cameras, places.value.zones).find(showsLive);
  if (!camera) return <p class="hint linked-none">{tw('noLinkedCamera')}</p>;
  return (
    <figure class="linked-camera" data-linked-camera={camera.id}>
      <LiveVideo camera={camera.id} stream="sub" label={camera.name} />
      <figcaption>{tw('linkedCamera', { camera: camera.name })}</figcaption>
    </figure>
  );
}

/** 呼叫评标室: rings the room's intercom station from this console (floor staff only, as the server checks). */
function CallTheRoom({ room }: { room: string }) {
  const role = me.value?.user.role;
  if (!role || !(INTERCOM_ROLES as readonly string[]).includes(role)) return null;
  const call = myCall.value?.room === room ? myCall.value : null;
  return (
    <button
      type="button"
      data-action="alarm-call-room"
      disabled={myCall.value !== null}
      onClick={() => void callRoom(room).catch((err: Error) => (lastError.value = err.message))}
    >
      {!call
        ? tw('callRoom')
        : call.state === 'talking'
          ? tw('inCall', { room: zoneName(room) })
          : tw('calling', { room: zoneName(room) })}
    </button>
  );
}

/**
 * The alarm pop-up, on every page: the top of the stack (highest level, then newest) with the live view of the
 * camera that films its room, the rule that fired, its object and room, and the actions the role may take
 * (acknowledge, resolve, approve re-entry, call the room); the rest of the stack counted below it.
 */
export function AlarmToast() {
  const stack = alarmStack(raisedHere.value, alarms.value);
  const top = stack[0];
  if (!top) return null;
  const { alarm, sound } = top;
  const room = roomOf(alarm, places.value);
  const dismiss = () => (raisedHere.value = raisedHere.value.filter((r) => r.alarm.id !== alarm.id));
  return (
    <div
      class={`alarm-toast level-${alarm.level}`}
      role="alert"
      data-testid="alarm-toast"
      data-alarm={alarm.id}
      data-level={alarm.level}
      data-sound={sound ? 'played' : 'muted'}
    >
      <LinkedCamera room={room} />
      <div class="alarm-toast-body">
        <strong>
          {t('newAlarm')} ·{' '}
          <span class={`level level-${alarm.level}`}>{labelOf(ALARM_LEVEL_LABELS, String(alarm.level))}</span>
        </strong>
        <span data-testid="alarm-rule">{labelOf(ALARM_KIND_LABELS, alarm.kind)}</span>
        <span data-testid="alarm-object">{objectOf(alarm, room)}</span>
        <span>{formatTime(alarm.raisedAt)}</span>
        <AlarmActions alarm={alarm} />
        {room && <CallTheRoom room={room} />}
        {stack.length > 1 && <span data-testid="alarm-stack-more">{ta('stackMore', { n: stack.length - 1 })}</span>}
        <span>
          <a href="#/alarms">{t('details')}</a>{' '}
          <button type="button" class="link" onClick={dismiss}>
            {t('close')}
          </button>
        </span>
      </div>
    </div>
  );
}

/** What an alarm is about, as a person on duty reads it: its room, then the device, door or person by name. */
function objectOf(alarm: Alarm, room: string | null): string {
  const what = alarmSubjectName(alarm);
  return room && room !== alarm.subject ? `${zoneName(room)} · ${what}` : what;
}
