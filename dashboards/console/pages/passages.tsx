import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { ALARM_KIND_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf, locale } from '../../i18n/index.ts';
import type { FeedEvent } from '../api.ts';
import { FilterSelect } from '../components/filter-select.tsx';
import { t } from '../messages.ts';
import { sessions, venue } from '../store.ts';
import { doorName, subjectName } from '../venue-labels.ts';
import { tw } from '../wall-messages.ts';
import { usePolled } from './use-polled.ts';
import './monitoring.css';

/** What a door did: decided (granted, denied), saw people pass, or raised a door alarm. */
const RESULTS = {
  'access.granted': () => tw('resultGranted'),
  'access.denied': () => tw('resultDenied'),
  'access.passage': () => tw('resultPassage'),
  'access.door-alarm': () => tw('resultDoorAlarm'),
} as const;
type Result = keyof typeof RESULTS;

const filter = signal({ door: '', result: '', who: '', session: '' });

/** Reading the record is audited, so the log loads when opened and on 刷新, not on a timer. */
const LIMIT = 5000;
/** Midnight in venue time (Asia/Shanghai is UTC+8 all year): the log shows today. */
const DAY_MS = 86_400_000;
const VENUE_OFFSET_MS = 8 * 3600_000;
const venueMidnight = (at: number) => Math.floor((at + VENUE_OFFSET_MS) / DAY_MS) * DAY_MS - VENUE_OFFSET_MS;

function matches(e: FeedEvent): boolean {
  const f = filter.value;
  const data = e.data ?? {};
  if (f.door && data.door !== f.door) return false;
  if (f.result && e.type !== f.result) return false;
  if (f.session && e.session !== f.session) return false;
  if (f.who) {
    const who = `${e.actor ?? ''} ${e.actor ? subjectName(e.actor) : ''}`.toLowerCase();
    if (!who.includes(f.who.toLowerCase())) return false;
  }
  return true;
}

const withAll = (options: [string, string][]): [string, string][] => [['', t('all')], ...options];

const reasonOf = (e: FeedEvent) => {
  const data = e.data ?? {};
  if (e.type === 'access.door-alarm') return labelOf(ALARM_KIND_LABELS, String(data.type ?? ''));
  if (locale.value !== 'en' && typeof data.reasonZh === 'string') return data.reasonZh;
  return typeof data.reason === 'string' ? data.reason : '';
};

/** 通行记录: every door decision, passage and door alarm in the record, newest first, with filters. */
export function PassagesPage() {
  const [revision, setRevision] = useState(0);
  const events = usePolled<FeedEvent[]>(
    `/api/access/events?since=${venueMidnight(Date.now())}&limit=${LIMIT}`,
    0,
    revision,
  );
  const rows = (events ?? [])
    .filter((e) => e.type in RESULTS && matches(e))
    .sort((a, b) => b.seq - a.seq)
    .slice(0, 500);
  const doors = venue.value?.doors ?? [];
  return (
    <section class="passages">
      <div class="filters">
        <FilterSelect
          filter={filter}
          label={tw('filterDoor')}
          field="door"
          options={withAll(doors.map((d) => [d.id, doorName(d.id)] as [string, string]))}
        />
        <FilterSelect
          filter={filter}
          label={tw('filterResult')}
          field="result"
          options={withAll((Object.keys(RESULTS) as Result[]).map((r) => [r, RESULTS[r]()] as [string, string]))}
        />
        <FilterSelect
          filter={filter}
          label={t('session')}
          field="session"
          options={withAll(sessions.value.map((s) => [s.id, `${s.project.code} · ${s.id}`] as [string, string]))}
        />
        <label>
          {tw('filterWho')}
          <input
            name="who"
            value={filter.value.who}
            onInput={(e) => (filter.value = { ...filter.value, who: e.currentTarget.value })}
          />
        </label>
        <button type="button" data-action="refresh" onClick={() => setRevision(revision + 1)}>
          {tw('refresh')}
        </button>
        <span class="hint" data-testid="passages-shown">
          {tw('passagesShown', { n: rows.length })}
        </span>
      </div>
      <table class="grid">
        <thead>
          <tr>
            <th>{tw('passageTime')}</th>
            <th>{tw('passageDoor')}</th>
            <th>{tw('passageDirection')}</th>
            <th>{tw('passageWho')}</th>
            <th>{tw('passageResult')}</th>
            <th>{tw('passageReason')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => {
            const data = e.data ?? {};
            const door = typeof data.door === 'string' ? data.door : e.subject;
            const direction =
              data.direction === 'in' ? tw('directionIn') : data.direction === 'out' ? tw('directionOut') : '—';
            const who = e.type === 'access.granted' || e.type === 'access.denied' ? e.actor : null;
            return (
              <tr
                key={e.seq}
                data-passage={e.seq}
                data-type={e.type}
                class={e.type === 'access.denied' ? 'denied' : ''}
              >
                <td>{formatTime(e.at, 'datetime')}</td>
                <td>{door ? doorName(door) : '—'}</td>
                <td>{direction}</td>
                <td>{who ? subjectName(who) : '—'}</td>
                <td>{RESULTS[e.type as Result]()}</td>
                <td>{reasonOf(e)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
