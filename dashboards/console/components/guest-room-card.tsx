import { ALARM_KIND_LABELS, ALARM_LEVEL_LABELS, SESSION_STATE_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf } from '../../i18n/index.ts';
import type { GuestRoom } from '../remote.ts';
import { tr, venueName } from '../remote-messages.ts';

/**
 * A guest room of a remote session hosted here, as the host witness sees it: the guest venue's name, the session's
 * state there, its check-ins (pseudonyms), open alarms, its intercom calls, the health of its devices and cameras
 * (those that went offline or came back during the session), and every gap while the host could not see it.
 */
export function GuestRoomCard({ session, guest }: { session: string; guest: GuestRoom }) {
  const open = guest.alarms.filter((a) => a.state !== 'resolved');
  const top = Math.max(0, ...open.map((a) => a.level));
  return (
    <article
      class={`card room-card guest-room${guest.state ? ` state-${guest.state}` : ''}${top ? ` alarm-level-${top}` : ''}`}
      data-guest-room={`${guest.venue}/${guest.room}`}
      data-session={session}
    >
      <header>
        <h2>{tr('guestRoom', { venue: venueName(guest.venue), room: guest.room })}</h2>
        {guest.state && <span class={`state state-${guest.state}`}>{labelOf(SESSION_STATE_LABELS, guest.state)}</span>}
      </header>
      <p class="room-session">{session}</p>
      <p class="room-counts">
        <span data-testid="guest-checkins">
          {guest.checkins.length ? tr('guestCheckins', { n: guest.checkins.length }) : tr('guestNoCheckins')}
        </span>
        {open.length > 0 && (
          <a href="#/alarms" class={`level level-${top}`} data-testid="guest-alarms">
            {tr('guestAlarms', { n: open.length })} · {labelOf(ALARM_LEVEL_LABELS, String(top))}
          </a>
        )}
      </p>
      {guest.checkins.length > 0 && (
        <ul class="guest-checkins">
          {guest.checkins.map((c) => (
            <li key={c.pseudonym} data-pseudonym={c.pseudonym}>
              {c.pseudonym}
              {c.seat ? ` · ${c.seat}` : ''} · {formatTime(c.at)}
            </li>
          ))}
        </ul>
      )}
      {open.map((a) => (
        <p key={a.alarmId} class={`level level-${a.level}`} data-guest-alarm={a.alarmId}>
          {labelOf(ALARM_KIND_LABELS, a.kind)} · {formatTime(a.at)}
        </p>
      ))}
      {guest.calls.map((c) => (
        <p key={c.callId} class={`guest-call call-${c.state}`} data-guest-call={c.callId} data-call-state={c.state}>
          {c.state === 'ended'
            ? c.answered
              ? tr('callEnded', { at: formatTime(c.at), s: c.durationS ?? 0 })
              : tr('callMissed', { at: formatTime(c.at) })
            : tr('callRinging', { at: formatTime(c.at) })}
        </p>
      ))}
      {guest.devices.map((d) => (
        <p
          key={d.device}
          class={d.online ? 'guest-device device-online' : 'guest-device device-offline'}
          data-guest-device={d.device}
          data-online={String(d.online)}
        >
          {tr(d.online ? 'deviceBack' : 'deviceOffline', { device: d.device, at: formatTime(d.at) })}
        </p>
      ))}
      {guest.gaps.map((g) => (
        <p key={g.from} class={g.to === null ? 'gap gap-open' : 'gap'} data-gap-from={g.from} data-gap-to={g.to ?? ''}>
          {g.to === null
            ? tr('gapOpen', { from: formatTime(g.from) })
            : tr('gapClosed', { from: formatTime(g.from), to: formatTime(g.to), n: g.caughtUp ?? 0 })}
        </p>
      ))}
      <p class="hint">
        {guest.lastEvent
          ? tr('guestLastEvent', {
              at: formatTime(guest.lastEvent.at),
              received: formatTime(guest.lastEvent.receivedAt),
            })
          : tr('guestNoEvents')}
      </p>
    </article>
  );
}
