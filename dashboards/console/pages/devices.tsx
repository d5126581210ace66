import { DEVICE_KIND_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf } from '../../i18n/index.ts';
import { type CameraHealth, cameraOnline } from '../camera-health.ts';
import { healthOf, useCameraOverview } from '../camera-overview.ts';
import { healthText } from '../components/live-tile.tsx';
import { t } from '../messages.ts';
import { bus, devices } from '../store.ts';
import type { Device } from '../types.ts';
import { doorName, zoneName } from '../venue-labels.ts';

const BUS_COUNTERS: [string, () => string][] = [
  ['received', () => t('received')],
  ['accepted', () => t('accepted')],
  ['malformed', () => t('malformed')],
  ['unknownDevice', () => t('unknownDevice')],
  ['denied', () => t('denied')],
];

/**
 * A device's health as the page shows it. Cameras send no MQTT heartbeat: the device registry lists them but only
 * the video module watches them, so their registry record stayed 离线 while they recorded. Their health is the
 * recorder's (the video overview): online while video arrives, with what the recorder says beside it.
 */
function withCameraHealth(device: Device, cameras: Map<string, CameraHealth>): Device & { camera?: CameraHealth } {
  if (device.kind !== 'camera') return device;
  const camera = cameras.get(device.id) ?? 'unknown';
  return { ...device, online: cameraOnline(camera), camera };
}

export function DevicesPage() {
  const overview = useCameraOverview() ?? [];
  const cameras = new Map(overview.map((c) => [c.id, healthOf(c)]));
  const list = devices.value
    .map((d) => withCameraHealth(d, cameras))
    .sort((a, b) => Number(a.online) - Number(b.online) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
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
                {d.camera && (
                  <div class="sub" data-camera-health={d.camera}>
                    {healthText(d.camera)}
                  </div>
                )}
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
