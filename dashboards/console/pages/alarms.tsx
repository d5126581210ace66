import { signal } from '@preact/signals';
import { ALARM_KIND_LABELS, ALARM_LEVEL_LABELS, ALARM_STATE_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf } from '../../i18n/index.ts';
import { roomOf } from '../alarm-places.ts';
import { AlarmActions } from '../components/alarm-actions.tsx';
import { FilterSelect } from '../components/filter-select.tsx';
import { t } from '../messages.ts';
import { useRemoteSessions } from '../remote.ts';
import { tr, venueName } from '../remote-messages.ts';
import { alarms, sessions, venue } from '../store.ts';
import type { Alarm } from '../types.ts';
import { alarmSubjectName, places, zoneName } from '../venue-labels.ts';

const filter = signal({ room: '', session: '', level: '', state: 'open' });

const roomOfAlarm = (alarm: Alarm) => roomOf(alarm, places.value);

/** The state, level and session filters (an alarm here or a guest venue's). */
function passes(alarm: { state: string; level: number; session: string | null }): boolean {
  const f = filter.value;
  if (f.state === 'open' && alarm.state === 'resolved') return false;
  if (f.state !== 'open' && f.state !== '' && alarm.state !== f.state) return false;
  if (f.level && String(alarm.level) !== f.level) return false;
  return !f.session || alarm.session === f.session;
}

const matches = (alarm: Alarm) => passes(alarm) && (!filter.value.room || roomOfAlarm(alarm) === filter.value.room);

/**
 * The guest rooms' alarms of remote sessions hosted here (远程异地), marked as the guest venue's: its own witness
 * handles them there, so they have no actions here. Shown under the same level and state filters.
 */
function useGuestAlarms() {
  const remote = useRemoteSessions();
  return (
    (remote?.sessions ?? [])
      .flatMap((s) =>
        s.guests.flatMap((g) => g.alarms.map((alarm) => ({ alarm, venue: g.venue, room: g.room, session: s.session }))),
      )
      // The room filter lists this venue's rooms: a guest room is none of them.
      .filter(({ alarm, session }) => passes({ ...alarm, session }) && !filter.value.room)
  );
}

export function AlarmsPage() {
  const rooms = (venue.value?.zones ?? []).filter((z) => z.type === 'evaluation-room');
  const shown = alarms.value.filter(matches);
  const guestAlarms = useGuestAlarms();
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
          {shown.length === 0 && guestAlarms.length === 0 && (
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
          {guestAlarms.map(({ alarm: a, venue, room, session }) => (
            <tr
              key={`${venue}/${a.alarmId}`}
              class={`alarm guest-alarm level-${a.level} state-${a.state}`}
              data-guest-alarm={a.alarmId}
              data-kind={a.kind}
            >
              <td>
                <span class={`level level-${a.level}`}>{labelOf(ALARM_LEVEL_LABELS, String(a.level))}</span>
              </td>
              <td>{labelOf(ALARM_KIND_LABELS, a.kind)}</td>
              <td>{a.content}</td>
              <td>
                <span class="guest-mark">{tr('guestVenueMark')}</span> {venueName(venue)} · {room}
              </td>
              <td>{session}</td>
              <td>{formatTime(a.at, 'datetime')}</td>
              <td data-testid="alarm-state">{labelOf(ALARM_STATE_LABELS, a.state)}</td>
              <td />
              <td />
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
