import type { SyncStatus } from '../../../edge/sync/sync-service.ts';
import { ALARM_KIND_LABELS, ALARM_LEVEL_LABELS } from '../../i18n/domain.ts';
import { formatDuration, formatTime, labelOf } from '../../i18n/index.ts';
import { tp } from '../panel-messages.ts';
import { openAlarms } from '../store.ts';
import { usePolled } from './use-polled.ts';
import './panels.css';

const STATE_LABELS = {
  'zh-CN': {
    idle: '空闲（已追平）',
    sending: '上传中',
    retrying: '重试中',
    slowed: '降速',
    rejected: '被拒绝',
    stopped: '已停止',
  },
  en: {
    idle: 'Idle (caught up)',
    sending: 'Sending',
    retrying: 'Retrying',
    slowed: 'Slowed down',
    rejected: 'Rejected',
    stopped: 'Stopped',
  },
};
const COUNTER_LABELS = {
  'zh-CN': {
    batches: '批次',
    events: '事件',
    duplicates: '重复',
    staleAcks: '过期确认',
    retries: '重试',
    slowDowns: '降速',
    gaps: '断档回退',
    rejections: '拒收',
  },
  en: {
    batches: 'batches',
    events: 'events',
    duplicates: 'duplicates',
    staleAcks: 'stale acks',
    retries: 'retries',
    slowDowns: 'slow-downs',
    gaps: 'gaps',
    rejections: 'rejections',
  },
};
const BAD_STATES = ['retrying', 'rejected', 'stopped'];

/** Upstream sync to the city platform: lag in events and seconds, last acknowledgement, backoff and errors. */
export function SyncPage() {
  const status = usePolled<SyncStatus>('/api/sync', 2000);
  const syncAlarms = openAlarms.value.filter((a) => a.kind === 'sync-lag' || a.kind === 'sync-rejected');
  if (!status) return null;
  const o = status.outbox;
  return (
    <section class="sync" data-testid="sync">
      {syncAlarms.map((alarm) => (
        <p key={alarm.id} class={`level level-${alarm.level}`} data-testid="sync-alarm" data-kind={alarm.kind}>
          ⚠ {labelOf(ALARM_KIND_LABELS, alarm.kind)} · {labelOf(ALARM_LEVEL_LABELS, String(alarm.level))} ·{' '}
          {formatTime(alarm.raisedAt, 'datetime')}
        </p>
      ))}
      {!o ? (
        <p class="empty" data-testid="sync-off">
          {tp('syncNotConfigured')}
        </p>
      ) : (
        <table class="grid sync-status">
          <tbody>
            <tr>
              <th>{tp('syncState')}</th>
              <td data-testid="sync-state" class={BAD_STATES.includes(o.state) ? 'warn' : ''}>
                <span class={BAD_STATES.includes(o.state) ? 'dot bad' : 'dot ok'} />
                {labelOf(STATE_LABELS, o.state)}
              </td>
            </tr>
            <tr>
              <th>{tp('syncLagEvents')}</th>
              <td data-testid="sync-lag-events">{o.lag.events}</td>
            </tr>
            <tr>
              <th>{tp('syncLagSeconds')}</th>
              <td data-testid="sync-lag-seconds">{formatDuration(o.lag.seconds * 1000)}</td>
            </tr>
            <tr>
              <th>{tp('syncAckedSeq')}</th>
              <td>
                {o.ackedSeq} / {tp('syncHeadSeq')} {o.headSeq}
              </td>
            </tr>
            <tr>
              <th>{tp('syncLastAck')}</th>
              <td data-testid="sync-last-ack">{formatTime(o.lastAckAt, 'datetime')}</td>
            </tr>
            <tr>
              <th>{tp('syncLastError')}</th>
              <td data-testid="sync-last-error" class={o.lastError ? 'warn' : ''}>
                {o.lastError ?? '—'}
              </td>
            </tr>
            <tr>
              <th>{tp('syncNextRetry')}</th>
              <td>{formatTime(o.nextAttemptAt)}</td>
            </tr>
            <tr>
              <th>{tp('syncBatchSize')}</th>
              <td>{o.batchSize}</td>
            </tr>
            <tr>
              <th>{tp('syncCounters')}</th>
              <td>
                {Object.entries(o.counters).map(([k, v]) => (
                  <span key={k} class="counter">
                    {labelOf(COUNTER_LABELS, k)} <b>{v}</b>
                  </span>
                ))}
              </td>
            </tr>
          </tbody>
        </table>
      )}
      <table class="grid sync-status">
        <tbody>
          <tr>
            <th>{tp('syncTransport')}</th>
            <td>
              {status.transport ?? '—'} {status.url ?? ''}
            </td>
          </tr>
          <tr>
            <th>{tp('syncKey')}</th>
            <td>{status.keyId}</td>
          </tr>
          <tr>
            <th>{tp('syncDownlink')}</th>
            <td>
              #{status.downlink.watermark} {status.downlink.lastError ?? ''}
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
