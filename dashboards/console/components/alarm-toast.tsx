import { ALARM_KIND_LABELS, ALARM_LEVEL_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf } from '../../i18n/index.ts';
import { ta } from '../action-messages.ts';
import { alarmStack, roomOf } from '../alarm-stack.ts';
import { t } from '../messages.ts';
import { alarms, devices, raisedHere, sessions } from '../store.ts';
import { zoneName } from '../venue-labels.ts';
import { AlarmActions } from './alarm-actions.tsx';

/** What an alarm is about, as a person on duty reads it: the device's name or the subject, and its room. */
function objectOf(subject: string, room: string | null): string {
  const device = devices.value.find((d) => d.id === subject);
  const what = device?.name ?? subject;
  return room ? `${zoneName(room)} · ${what}` : what;
}

/**
 * The alarm pop-up, on every page: the top of the stack (highest level, then newest) with the rule that fired,
 * its object and room, and the actions the role may take; the rest of the stack counted below it.
 */
export function AlarmToast() {
  const stack = alarmStack(raisedHere.value, alarms.value);
  const top = stack[0];
  if (!top) return null;
  const { alarm, sound } = top;
  const room = roomOf(alarm, sessions.value, devices.value);
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
      <strong>
        {t('newAlarm')} ·{' '}
        <span class={`level level-${alarm.level}`}>{labelOf(ALARM_LEVEL_LABELS, String(alarm.level))}</span>
      </strong>
      <span data-testid="alarm-rule">{labelOf(ALARM_KIND_LABELS, alarm.kind)}</span>
      <span data-testid="alarm-object">{objectOf(alarm.subject, room)}</span>
      <span>{formatTime(alarm.raisedAt)}</span>
      <AlarmActions alarm={alarm} />
      {stack.length > 1 && <span data-testid="alarm-stack-more">{ta('stackMore', { n: stack.length - 1 })}</span>}
      <span>
        <a href="#/alarms">{t('details')}</a>{' '}
        <button type="button" class="link" onClick={dismiss}>
          {t('close')}
        </button>
      </span>
    </div>
  );
}
