import { signal } from '@preact/signals';
import { ALARM_KIND_LABELS, ALARM_LEVEL_LABELS, ALARM_STATE_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf } from '../../i18n/index.ts';
import { roomOf } from '../alarm-places.ts';
import { AlarmActions } from '../components/alarm-actions.tsx';
import { FilterSelect } from '../components/filter-select.tsx';
import { t } from '../messages.ts';
import { alarms, sessions, venue } from '../store.ts';
import type { Alarm } from '../types.ts';
import { alarmSubjectName, places, zoneName } from '../venue-labels.ts';

const filter = signal({ room: '', session: '', level: '', state: 'open' });

const roomOfAlarm = (alarm: Alarm) => roomOf(alarm, places.value);

function matches(alarm: Alarm): boolean {
  const f = filter.value;
  if (f.state === 'open' && alarm.state === 'resolved') return false;
  if (f.state !== 'open' && f.state !== '' && alarm.state !== f.state) return false;
  if (f.level && String(alarm.level) !== f.level) return false;
  if (f.session && alarm.session !== f.session) return false;
  if (f.room && roomOfAlarm(alarm) !== f.room) return false;
  return true;
}

export function AlarmsPage() {
  const rooms = (venue.value?.zones ?? []).filter((z) => z.type === 'evaluation-room');
  const shown = alarms.value.filter(matches);
  return (
    <section class="alarms">
      <div class="filters">
        <FilterSelect
          filter={filter}
          label={t('filterState')}
          field="state"
          options={[
            ['open', t('open')],
            ['', t('all')],
            ...(['raised', 'acknowledged', 'resolved'] as const).map(
              (s) => [s, labelOf(ALARM_STATE_LABELS, s)] as [string, string],
            ),
          ]}
        />
        <FilterSelect
          filter={filter}
          label={t('filterLevel')}
          field="level"
          options={[
            ['', t('all')],
            ...(['3', '2', '1'].map((l) => [l, labelOf(ALARM_LEVEL_LABELS, l)]) as [string, string][]),
          ]}
        />
        <FilterSelect
          filter={filter}
          label={t('filterRoom')}
          field="room"
          options={[['', t('all')], ...rooms.map((r) => [r.id, zoneName(r.id)] as [string, string])]}
        />
        <FilterSelect
          filter={filter}
          label={t('filterSession')}
          field="session"
          options={[
            ['', t('all')],
            ...sessions.value.map((s) => [s.id, `${s.project.code} · ${s.id}`] as [string, string]),
          ]}
        />
      </div>
      <table class="grid">
        <thead>
          <tr>
            <th>{t('level')}</th>
            <th>{t('kind')}</th>
            <th>{t('subject')}</th>
            <th>{t('room')}</th>
            <th>{t('session')}</th>
            <th>{t('raisedAt')}</th>
            <th>{t('state')}</th>
            <th>{t('handledBy')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 && (
            <tr>
              <td colSpan={9} class="empty">
                {t('noData')}
              </td>
            </tr>
          )}
          {shown.map((a) => {
            const room = roomOfAlarm(a);
            return (
              <tr key={a.id} class={`alarm level-${a.level} state-${a.state}`} data-alarm={a.id} data-kind={a.kind}>
                <td>
                  <span class={`level level-${a.level}`}>{labelOf(ALARM_LEVEL_LABELS, String(a.level))}</span>
                </td>
                <td>{labelOf(ALARM_KIND_LABELS, a.kind)}</td>
                <td data-testid="alarm-subject">{alarmSubjectName(a)}</td>
                <td>{room ? zoneName(room) : '—'}</td>
                <td>{a.session ?? '—'}</td>
                <td>{formatTime(a.raisedAt, 'datetime')}</td>
                <td data-testid="alarm-state">{labelOf(ALARM_STATE_LABELS, a.state)}</td>
                <td>
                  {a.resolvedBy ?? a.acknowledgedBy ?? ''}
                  {a.note && <div class="note">{a.note}</div>}
                </td>
                <td>
                  <AlarmActions alarm={a} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
