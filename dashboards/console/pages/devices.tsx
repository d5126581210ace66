import { DEVICE_KIND_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf } from '../../i18n/index.ts';
import { t } from '../messages.ts';
import { bus, devices } from '../store.ts';
import { doorName, zoneName } from '../venue-labels.ts';

const BUS_COUNTERS: [string, () => string][] = [
  ['received', () => t('received')],
  ['accepted', () => t('accepted')],
  ['malformed', () => t('malformed')],
  ['unknownDevice', () => t('unknownDevice')],
  ['denied', () => t('denied')],
];

export function DevicesPage() {
  const list = [...devices.value].sort(
    (a, b) => Number(a.online) - Number(b.online) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id),
  );
  const offline = list.filter((d) => !d.online).length;
  return (
    <section class="devices">
      <div class="summary">
        <span class="pill ok">
          {t('online')} {list.length - offline}
        </span>
        <span class={offline ? 'pill bad' : 'pill'}>
          {t('offline')} {offline}
        </span>
        {bus.value && (
          <span class="bus" title={bus.value.mqtt}>
            {t('busStats')}:{' '}
            {BUS_COUNTERS.map(([key, label]) => (
              <span key={key} class="counter">
                {label()} <b>{bus.value!.stats[key] ?? 0}</b>
              </span>
            ))}
          </span>
        )}
      </div>
      <table class="grid">
        <thead>
          <tr>
            <th>{t('state')}</th>
            <th>{t('device')}</th>
            <th>{t('kind')}</th>
            <th>{t('zone')}</th>
            <th>{t('lastSeen')}</th>
            <th>{t('firmware')}</th>
            <th>{t('malformed')}</th>
            <th>{t('lastError')}</th>
          </tr>
        </thead>
        <tbody>
          {list.map((d) => (
            <tr key={d.id} data-device={d.id} class={d.online ? 'online' : 'offline'}>
              <td>
                <span class={d.online ? 'dot ok' : 'dot bad'} />
                {d.online ? t('online') : t('offline')}
              </td>
              <td>
                {d.name}
                <div class="sub">{d.id}</div>
              </td>
              <td>{labelOf(DEVICE_KIND_LABELS, d.kind)}</td>
              <td>{d.room ? zoneName(d.room) : d.zone ? zoneName(d.zone) : d.door ? doorName(d.door) : '—'}</td>
              <td>{formatTime(d.lastSeen, 'datetime')}</td>
              <td>{d.firmware ?? '—'}</td>
              <td class={d.malformed ? 'warn' : ''}>{d.malformed}</td>
              <td>
                {d.lastError ?? ''}
                {d.lastErrorAt && <div class="sub">{formatTime(d.lastErrorAt, 'datetime')}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
