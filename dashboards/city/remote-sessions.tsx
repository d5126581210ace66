// 远程异地评标 on the city console: the remote sessions the hub scheduled (host and guest rooms, window, each
// venue's link) and, for a city-admin, the form that schedules one (POST /v1/remote-sessions, city/remote/routes.ts).
// The hub's 400 names the field path ("remote session /guests/0/room: …"); the error goes under that field.
import { useState } from 'preact/hooks';
import type { RemoteSessionListed, RemoteSessionSeat } from '../../city/views/types.ts';
import { formatTime } from '../i18n/index.ts';
import { ApiError, refresh, remoteSessions, request, venueNames, venues } from './api.ts';
import { t } from './messages.ts';

/** A datetime-local value read as Asia/Shanghai wall time (the venues' time), whatever the browser's zone. */
const shanghaiMs = (value: string): number | string => (value ? Date.parse(`${value}:00+08:00`) : '');
const when = (v: number | string | null) => (typeof v === 'number' ? formatTime(v, 'datetime') : (v ?? '—'));
/** The venues of the hub's topology and any other it has heard from. */
const knownVenues = () => [...new Set([...Object.keys(venueNames.value), ...venues.value.map((v) => v.venue)])];
const words = (text: string) => text.split(/[\s,，、]+/).filter(Boolean);

function Seat({ seat, venueName }: { seat: RemoteSessionSeat; venueName: (id: string) => string }) {
  return (
    <div data-seat={seat.venue}>
      {venueName(seat.venue)} · {seat.room}{' '}
      <span class={`link link-${seat.linked ? 'online' : 'offline'}`} data-linked={String(seat.linked)}>
        <span class={seat.linked ? 'dot ok' : 'dot bad'} />
        {seat.linked ? t('remoteLinked') : t('remoteNotLinked')}
      </span>
    </div>
  );
}

function RemoteList({ venueName }: { venueName: (id: string) => string }) {
  const rows: RemoteSessionListed[] = remoteSessions.value;
  if (!rows.length) return <p class="empty">{t('remoteNone')}</p>;
  return (
    <table class="grid" data-testid="remote-sessions">
      <thead>
        <tr>
          <th>{t('session')}</th>
          <th>{t('remoteHost')}</th>
          <th>{t('remoteGuests')}</th>
          <th>{t('window')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => (
          <tr key={s.id} data-remote-session={s.id}>
            <td>
              {s.id}
              {s.transactionCode && <div class="sub">{s.transactionCode}</div>}
            </td>
            <td>
              <Seat seat={s.host} venueName={venueName} />
            </td>
            <td>
              {s.guests.map((g) => (
                <Seat key={g.venue} seat={g} venueName={venueName} />
              ))}
            </td>
            <td>
              {when(s.start)} – {when(s.end)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type SeatFields = { venue: string; room: string; experts: string; staff: string };
const emptySeat = (): SeatFields => ({ venue: '', room: '', experts: '', staff: '' });

/** "witness-1, sup-1:supervisor" → staff entries; the role defaults to witness. */
const staffOf = (text: string) =>
  words(text).map((entry) => {
    const [id, role] = entry.split(':');
    return { id: id!, role: role || 'witness' };
  });

const seating = (s: SeatFields) => ({
  venue: s.venue,
  room: s.room,
  experts: words(s.experts).map((pseudonym) => ({ pseudonym })),
  ...(s.staff.trim() ? { staff: staffOf(s.staff) } : {}),
});

/** The field a path such as /guests/0/experts/1/pseudonym belongs to: the longest known prefix. */
function fieldOf(path: string, fields: readonly string[]): string | null {
  const owners = fields.filter((f) => path === f || path.startsWith(`${f}/`));
  return owners.sort((a, b) => b.length - a.length)[0] ?? null;
}

function ScheduleForm({ venueName }: { venueName: (id: string) => string }) {
  const [common, setCommon] = useState({ id: '', transactionCode: '', projectCode: '', projectName: '' });
  const [times, setTimes] = useState({ start: '', end: '' });
  const [host, setHost] = useState<SeatFields>(emptySeat());
  const [guests, setGuests] = useState<SeatFields[]>([emptySeat()]);
  const [error, setError] = useState<{ field: string | null; message: string } | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const seatPaths = (base: string) => ['venue', 'room', 'experts', 'staff'].map((f) => `${base}/${f}`);
  const fields = [
    '/id',
    '/transactionCode',
    '/project/code',
    '/project/name',
    '/start',
    '/end',
    '/guests',
    ...seatPaths('/host'),
    ...guests.flatMap((_, i) => seatPaths(`/guests/${i}`)),
  ];
  const errorAt = (path: string) =>
    error?.field === path ? (
      <p class="error" data-error-for={path}>
        {error.message}
      </p>
    ) : null;

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setDone(null);
    const input = {
      id: common.id,
      transactionCode: common.transactionCode,
      project: { code: common.projectCode, name: common.projectName },
      start: shanghaiMs(times.start),
      end: shanghaiMs(times.end),
      host: seating(host),
      guests: guests.map(seating),
    };
    try {
      await request('/v1/remote-sessions', { body: input });
      setDone(input.id);
      void refresh();
    } catch (err) {
      const message = (err as Error).message;
      const path =
        err instanceof ApiError && err.status === 400 ? /^remote session (\/\S*?):/.exec(message)?.[1] : null;
      setError({ field: path ? fieldOf(path, fields) : null, message });
    }
  }

  const text = (
    label: string,
    value: string,
    path: string,
    set: (v: string) => void,
    type: 'text' | 'datetime-local' = 'text',
  ) => (
    <label>
      {label}
      <input
        type={type as 'text'}
        value={value}
        data-path={path}
        onInput={(e) => set((e.target as HTMLInputElement).value)}
      />
      {errorAt(path)}
    </label>
  );
  const seatFields = (s: SeatFields, base: string, set: (s: SeatFields) => void) => (
    <>
      <label>
        {t('venue')}
        <select
          value={s.venue}
          data-path={`${base}/venue`}
          onChange={(e) => set({ ...s, venue: (e.target as HTMLSelectElement).value })}
        >
          <option value="">{t('remoteChooseVenue')}</option>
          {knownVenues().map((id) => (
            <option key={id} value={id}>
              {venueName(id)}
            </option>
          ))}
        </select>
        {errorAt(`${base}/venue`)}
      </label>
      {text(t('room'), s.room, `${base}/room`, (room) => set({ ...s, room }))}
      {text(t('remoteExperts'), s.experts, `${base}/experts`, (experts) => set({ ...s, experts }))}
      {text(t('remoteStaff'), s.staff, `${base}/staff`, (staff) => set({ ...s, staff }))}
    </>
  );

  return (
    <form class="remote-form" data-testid="remote-form" onSubmit={submit}>
      <h3>{t('remoteSchedule')}</h3>
      {text(t('session'), common.id, '/id', (id) => setCommon({ ...common, id }))}
      {text(t('transactionCode'), common.transactionCode, '/transactionCode', (v) =>
        setCommon({ ...common, transactionCode: v }),
      )}
      {text(t('project'), common.projectCode, '/project/code', (v) => setCommon({ ...common, projectCode: v }))}
      {text(t('projectName'), common.projectName, '/project/name', (v) => setCommon({ ...common, projectName: v }))}
      {text(t('remoteStart'), times.start, '/start', (start) => setTimes({ ...times, start }), 'datetime-local')}
      {text(t('remoteEnd'), times.end, '/end', (end) => setTimes({ ...times, end }), 'datetime-local')}
      <fieldset data-seat-form="host">
        <legend>{t('remoteHost')}</legend>
        {seatFields(host, '/host', setHost)}
      </fieldset>
      {guests.map((g, i) => (
        <fieldset key={i} data-seat-form={`guest-${i}`}>
          <legend>{t('remoteGuest', { n: i + 1 })}</legend>
          {seatFields(g, `/guests/${i}`, (s) => setGuests(guests.map((old, k) => (k === i ? s : old))))}
        </fieldset>
      ))}
      {errorAt('/guests')}
      <div class="actions">
        <button type="button" onClick={() => setGuests([...guests, emptySeat()])}>
          {t('remoteAddGuest')}
        </button>
        <button type="submit">{t('remoteSubmit')}</button>
      </div>
      {error && error.field === null && (
        <p class="error" data-error-for="form">
          {error.message}
        </p>
      )}
      {done && (
        <p class="ok" data-testid="remote-scheduled">
          {t('remoteScheduled', { id: done })}
        </p>
      )}
    </form>
  );
}

export function RemoteSessions({
  canSchedule,
  venueName,
}: {
  canSchedule: boolean;
  venueName: (id: string) => string;
}) {
  return (
    <section class="panel remote-panel" data-testid="remote">
      <h2>{t('remoteTitle')}</h2>
      <RemoteList venueName={venueName} />
      {canSchedule && <ScheduleForm venueName={venueName} />}
    </section>
  );
}
