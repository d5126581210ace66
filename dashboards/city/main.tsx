// The city console (市级评标监管平台): every venue's state, today's sessions across venues, the live alarm feed,
// and a drill-down into one venue. Served by the city hub at /; reads city/views/routes.ts.
import { signal } from '@preact/signals';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { UNKNOWN_ALARM_KIND } from '../../city/views/types.ts';
import { SignInForm } from '../console/components/sign-in-form.tsx';
import { t as consoleText } from '../console/messages.ts';
import {
  ALARM_KIND_LABELS,
  ALARM_LEVEL_LABELS,
  ALARM_STATE_LABELS,
  DEVICE_KIND_LABELS,
  SESSION_STATE_LABELS,
} from '../i18n/domain.ts';
import { formatTime, labelOf, locale, setLocale } from '../i18n/index.ts';
import {
  ApiError,
  alarmFeed,
  type CityAlarm,
  type CitySession,
  type CityUserView,
  feedLive,
  follow,
  lastError,
  me,
  request,
  sessions,
  type VenueDetail,
  type VenueSummary,
  venueNames,
  venues,
} from './api.ts';
import { t } from './messages.ts';
import { RemoteSessions } from './remote-sessions.tsx';
import '../console/styles.css';
import './city.css';

const route = signal(location.hash.replace(/^#\/?/, ''));
addEventListener('hashchange', () => {
  route.value = location.hash.replace(/^#\/?/, '');
});

const ROLE_NAMES = {
  'zh-CN': { 'city-admin': '市级管理员', 'city-supervisor': '市级监管员' },
  en: { 'city-admin': 'City administrator', 'city-supervisor': 'City supervisor' },
};

function venueName(id: string): string {
  const names = venueNames.value[id];
  return (locale.value === 'en' ? names?.nameEn : names?.name) ?? id;
}

function ago(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 120) return t('seconds', { n: s });
  if (s < 7200) return t('minutes', { n: Math.round(s / 60) });
  return t('hours', { n: Math.round(s / 3600) });
}

const LINK_TEXT = { online: 'linkOnline', offline: 'linkOffline', stopped: 'linkStopped', never: 'linkNever' } as const;

function Link({ v }: { v: VenueSummary }) {
  return (
    <span class={`link link-${v.link}`} data-link={v.link}>
      <span class={v.link === 'online' ? 'dot ok' : 'dot bad'} />
      {t(LINK_TEXT[v.link])}
    </span>
  );
}

function AlarmCounts({ v }: { v: VenueSummary }) {
  const levels = [3, 2, 1] as const;
  if (levels.every((l) => v.openAlarms[l] === 0)) return <span class="sub">0</span>;
  return (
    <span class="alarm-counts">
      {levels
        .filter((l) => v.openAlarms[l] > 0)
        .map((l) => (
          <span key={l} class={`level level-${l}`} title={labelOf(ALARM_LEVEL_LABELS, String(l))}>
            {labelOf(ALARM_LEVEL_LABELS, String(l))} {v.openAlarms[l]}
          </span>
        ))}
    </span>
  );
}

function VenueTable() {
  return (
    <section class="panel venues">
      <h2>{t('venues')}</h2>
      <table class="grid" data-testid="venues">
        <thead>
          <tr>
            <th>{t('venue')}</th>
            <th>{t('link')}</th>
            <th>{t('lastContact')}</th>
            <th>{t('lag')}</th>
            <th>{t('seqBehind')}</th>
            <th>{t('devices')}</th>
            <th>{t('openAlarms')}</th>
            <th>{t('sessionsToday')}</th>
          </tr>
        </thead>
        <tbody>
          {venues.value.map((v) => (
            <tr key={v.venue} data-venue={v.venue} class={v.link === 'online' ? '' : 'offline'}>
              <td>
                <a href={`#/venue/${encodeURIComponent(v.venue)}`}>{venueName(v.venue)}</a>
              </td>
              <td>
                <Link v={v} />
              </td>
              <td>{formatTime(v.lastContact, 'datetime')}</td>
              <td>{ago(v.lagMs)}</td>
              <td>{v.seqBehind ?? '—'}</td>
              <td class={v.devices.offline > 0 ? 'warn' : ''}>{t('devicesOnlineOffline', v.devices)}</td>
              <td>
                <AlarmCounts v={v} />
              </td>
              <td>{v.sessionsToday}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SessionTable({ rows, showVenue }: { rows: CitySession[]; showVenue: boolean }) {
  if (!rows.length) return <p class="empty">{t('noSessions')}</p>;
  return (
    <table class="grid" data-testid="sessions">
      <thead>
        <tr>
          {showVenue && <th>{t('venue')}</th>}
          <th>{t('session')}</th>
          <th>{t('transactionCode')}</th>
          <th>{t('room')}</th>
          <th>{t('window')}</th>
          <th>{t('state')}</th>
          <th>{t('experts')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => (
          <tr key={`${s.venue}/${s.id}`} data-session={s.id} class={`state-${s.state}`}>
            {showVenue && <td>{venueName(s.venue)}</td>}
            <td>
              {s.id}
              {s.projectCode && <div class="sub">{s.projectCode}</div>}
              {s.remote && <div class="sub remote">{t('remoteFrom', { venue: venueName(s.remote.hostVenue) })}</div>}
            </td>
            <td>{s.transactionCode ?? '—'}</td>
            <td>{s.room ?? '—'}</td>
            <td>
              {formatTime(s.start)} – {formatTime(s.end)}
            </td>
            <td>
              <span class="state">{labelOf(SESSION_STATE_LABELS, s.state)}</span>
            </td>
            <td>
              {s.checkedIn} / {s.experts}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AlarmRows({ alarms, showVenue }: { alarms: CityAlarm[]; showVenue: boolean }) {
  if (!alarms.length) return <p class="empty">{t('noAlarms')}</p>;
  return (
    <table class="grid">
      <thead>
        <tr>
          <th>{t('time')}</th>
          {showVenue && <th>{t('venue')}</th>}
          <th>{t('level')}</th>
          <th>{t('kind')}</th>
          <th>{t('place')}</th>
          <th>{t('state')}</th>
        </tr>
      </thead>
      <tbody>
        {alarms.map((a) => (
          <tr
            key={`${a.venue}/${a.alarmId}/${a.state}`}
            data-alarm={a.alarmId}
            data-venue={a.venue}
            class={`level-${a.level} state-${a.state}`}
          >
            <td>{formatTime(a.changedAt)}</td>
            {showVenue && <td>{venueName(a.venue)}</td>}
            <td>
              <span class="level">{labelOf(ALARM_LEVEL_LABELS, String(a.level))}</span>
            </td>
            <td>{a.kind === UNKNOWN_ALARM_KIND ? t('unknownKind') : labelOf(ALARM_KIND_LABELS, a.kind)}</td>
            <td>{a.place ?? '—'}</td>
            <td>{labelOf(ALARM_STATE_LABELS, a.state)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Overview() {
  return (
    <div class="city-grid">
      <VenueTable />
      <section class="panel sessions">
        <h2>{t('sessionsTodayTitle')}</h2>
        <SessionTable rows={sessions.value} showVenue />
      </section>
      <section class="panel feed-panel" data-testid="alarm-feed">
        <h2>{t('liveAlarms')}</h2>
        <AlarmRows alarms={alarmFeed.value} showVenue />
      </section>
      <RemoteSessions canSchedule={me.value?.role === 'city-admin'} venueName={venueName} />
    </div>
  );
}

function VenuePage({ id }: { id: string }) {
  const [detail, setDetail] = useState<VenueDetail | null | 'missing'>(null);
  // Reloaded whenever the overview is (polled, and on every alarm change).
  const version = venues.value;
  useEffect(() => {
    request<VenueDetail>(`/api/city/venues/${encodeURIComponent(id)}`)
      .then(setDetail)
      .catch((err) => (err instanceof ApiError && err.status === 404 ? setDetail('missing') : null));
  }, [id, version]);
  if (detail === 'missing') return <p class="empty">{t('unknownVenue', { venue: id })}</p>;
  if (!detail) return <p class="loading">{t('loading')}</p>;
  return (
    <div class="venue-page" data-testid="venue-detail" data-venue={id}>
      <a href="#/">{t('back')}</a>
      <h2>
        {venueName(id)} <Link v={detail} />
      </h2>
      <dl class="facts">
        <dt>{t('lastContact')}</dt>
        <dd>{formatTime(detail.lastContact, 'datetime')}</dd>
        <dt>{t('lag')}</dt>
        <dd>{ago(detail.lagMs)}</dd>
        <dt>{t('seqBehind')}</dt>
        <dd>{detail.seqBehind ?? '—'}</dd>
        <dt>{t('events')}</dt>
        <dd>{detail.heldSeq}</dd>
        <dt>{t('openAlarms')}</dt>
        <dd>
          <AlarmCounts v={detail} />
        </dd>
      </dl>
      <section class="panel">
        <h3>{t('openAlarms')}</h3>
        <AlarmRows alarms={detail.alarms} showVenue={false} />
      </section>
      <section class="panel">
        <h3>{t('sessionsToday')}</h3>
        <SessionTable rows={detail.sessions} showVenue={false} />
      </section>
      <section class="panel">
        <h3>
          {t('deviceList')} · {t('devicesOnlineOffline', detail.devices)}
        </h3>
        {detail.deviceList.length ? (
          <table class="grid" data-testid="devices">
            <tbody>
              {detail.deviceList.map((d) => (
                <tr key={d.id} class={d.online ? '' : 'offline'}>
                  <td>{d.id}</td>
                  <td>{d.kind ? labelOf(DEVICE_KIND_LABELS, d.kind) : '—'}</td>
                  <td>
                    <span class={d.online ? 'dot ok' : 'dot bad'} />
                    {d.online ? t('online') : `${t('offline')} (${d.reason ?? '—'})`}
                  </td>
                  <td class="sub">
                    {t('since')} {formatTime(d.since, 'datetime')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="empty">{t('noDevices')}</p>
        )}
      </section>
    </div>
  );
}

function Shell({ user }: { user: CityUserView }) {
  useEffect(() => follow(), []);
  const venueRoute = /^venue\/(.+)$/.exec(route.value);
  return (
    <div class="city-shell">
      <header class="topbar">
        <h1>{t('appTitle')}</h1>
        <span class="today">{formatTime(Date.now(), 'date')}</span>
        <span class={feedLive.value ? 'feed live' : 'feed down'} data-testid="feed">
          {feedLive.value ? t('feedLive') : t('feedDown')}
        </span>
        <span class="user" data-testid="user">
          {user.displayName} · {ROLE_NAMES[locale.value][user.role]}
        </span>
        <button type="button" class="link" onClick={() => setLocale(locale.value === 'en' ? 'zh-CN' : 'en')}>
          {consoleText('language')}
        </button>
        <button
          type="button"
          class="link"
          onClick={() => void request('/api/city/auth/logout', { body: {} }).finally(() => (me.value = null))}
        >
          {consoleText('signOut')}
        </button>
      </header>
      <main class="page">
        {lastError.value && (
          <button type="button" class="error-bar" onClick={() => (lastError.value = null)}>
            {t('errorPrefix', { message: lastError.value })}
          </button>
        )}
        {venueRoute ? <VenuePage id={decodeURIComponent(venueRoute[1]!)} /> : <Overview />}
      </main>
    </div>
  );
}

function App() {
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    document.documentElement.lang = locale.value;
    request<CityUserView>('/api/city/auth/me')
      .then((user) => (me.value = user))
      .catch(() => (me.value = null))
      .finally(() => setChecked(true));
  }, []);
  if (!checked) return <p class="loading">{t('loading')}</p>;
  return me.value ? (
    <Shell user={me.value} />
  ) : (
    <SignInForm
      title={t('appTitle')}
      signIn={async (username, password) => {
        me.value = await request<CityUserView>('/api/city/auth/login', { body: { username, password } });
      }}
    />
  );
}

render(<App />, document.getElementById('app')!);
