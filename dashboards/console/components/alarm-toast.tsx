import { ALARM_KIND_LABELS, ALARM_LEVEL_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf } from '../../i18n/index.ts';
import { t } from '../messages.ts';
import { alarms, latestAlarm } from '../store.ts';

/** The newest alarm, on every page, until dismissed or opened. */
export function AlarmToast() {
  const latest = latestAlarm.value;
  if (!latest) return null;
  const { alarm, sound } = latest;
  // Once someone has taken the alarm on, the toast has done its job.
  if (alarms.value.some((a) => a.id === alarm.id && a.state !== 'raised')) return null;
  return (
    <div
      class={`alarm-toast level-${alarm.level}`}
      role="alert"
      data-testid="alarm-toast"
      data-sound={sound ? 'played' : 'muted'}
    >
      <strong>
        {t('newAlarm')} · {labelOf(ALARM_LEVEL_LABELS, String(alarm.level))}
      </strong>
      <span>{labelOf(ALARM_KIND_LABELS, alarm.kind)}</span>
      <span>{alarm.subject}</span>
      <span>{formatTime(alarm.raisedAt)}</span>
      <a href="#/alarms">{t('details')}</a>
      <button type="button" class="link" onClick={() => (latestAlarm.value = null)}>
        {t('close')}
      </button>
    </div>
  );
}
