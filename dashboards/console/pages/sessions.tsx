import { useState } from 'preact/hooks';
import { SESSION_STATE_LABELS, VERIFICATION_METHOD_LABELS } from '../../i18n/domain.ts';
import { formatDuration, formatTime, labelOf } from '../../i18n/index.ts';
import { ta } from '../action-messages.ts';
import { request } from '../api.ts';
import { DisplayNotice } from '../components/display-notice.tsx';
import { GuestRooms } from '../components/guest-rooms.tsx';
import { RequiredText } from '../components/required-text.tsx';
import { RollCall } from '../components/roll-call.tsx';
import { t } from '../messages.ts';
import { now } from '../now.ts';
import { tp } from '../panel-messages.ts';
import { tr, venueName } from '../remote-messages.ts';
import { lastError, loaders, me, sessions } from '../store.ts';
import type { BoardExpert, BoardSession } from '../types.ts';
import { zoneName } from '../venue-labels.ts';
import { usePolled } from './use-polled.ts';
import './panels.css';

const FLOOR_STAFF = ['administrator', 'witness'];
const CHECKIN_STATES = ['checkin-open', 'in-progress', 'suspended'];

const act = async (path: string, body: unknown) => {
  try {
    await request(path, { body });
    await loaders.sessions();
  } catch (err) {
    lastError.value = (err as Error).message;
  }
};

export function Timer({ session }: { session: BoardSession }) {
  const at = now.value;
  if (at < session.start) return <span class="timer">{t('startsIn', { d: formatDuration(session.start - at) })}</span>;
  if (session.state === 'completed' || session.state === 'archived' || session.state === 'cancelled') return null;
  const remaining = session.end - at;
  // 已进行 only once the evaluation is under way: a session still in check-in has not started, whatever the clock.
  const underWay = session.state === 'in-progress' || session.state === 'suspended';
  return (
    <span class="timer">
      {underWay && <>{t('elapsed', { d: formatDuration(at - session.start) })} · </>}
      <span class={remaining < 0 ? 'overtime' : ''}>
        {remaining < 0
          ? t('overtime', { d: formatDuration(remaining) })
          : t('remaining', { d: formatDuration(remaining) })}
      </span>
    </span>
  );
}

/**
 * A witness's manual verification (人工核验): the ID document checked in person is a required tick, the reason a
 * required note; both go into the record's note (the check-in route keeps a note, no separate field).
 */
function ManualVerification({ pseudonym, who }: { pseudonym: string; who: string }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  if (!open)
    return (
      <button type="button" data-action="manual-checkin" onClick={() => setOpen(true)}>
        {t('manualVerify')}
      </button>
    );
  return (
    <form
      class="inline-form manual-verification"
      aria-label={ta('manualVerifyTitle', { who })}
      onSubmit={(e) => {
        e.preventDefault();
        void act('/api/checkin/manual', { pseudonym, note: ta('manualNote', { reason }) }).then(() => setOpen(false));
      }}
    >
      <b>{ta('manualVerifyTitle', { who })}</b>
      <label>
        <input type="checkbox" name="idChecked" required /> {ta('idChecked')}
      </label>
      <RequiredText name="reason" label={ta('manualReason')} value={reason} onInput={setReason} />
      <button type="submit">{t('confirm')}</button>
      <button type="button" class="link" onClick={() => setOpen(false)}>
        {t('cancel')}
      </button>
    </form>
  );
}

function ExpertRow({ session, expert }: { session: BoardSession; expert: BoardExpert }) {
  const mayVerify =
    !expert.checkedIn && CHECKIN_STATES.includes(session.state) && FLOOR_STAFF.includes(me.value?.user.role ?? '');
  const mayCheckOut = expert.checkedIn && !expert.checkedOutAt && FLOOR_STAFF.includes(me.value?.user.role ?? '');
  const who = expert.name ? `${expert.name}（${expert.pseudonym}）` : expert.pseudonym;
  return (
    <li class={expert.checkedIn ? 'expert in' : 'expert'} data-expert={expert.pseudonym}>
      <span class="who" data-testid="expert-name">
        {who}
      </span>
      <span class="seat">
        {t('seat')} {expert.seat ?? '—'}
      </span>
      <span class="checkin">
        {expert.checkedIn
          ? t('checkedInAt', {
              time: formatTime(expert.checkedIn.at),
              method: labelOf(VERIFICATION_METHOD_LABELS, expert.checkedIn.method),
            })
          : t('notCheckedIn')}
        {expert.checkedOutAt && ` · ${tp('checkedOutAt', { time: formatTime(expert.checkedOutAt) })}`}
      </span>
      {mayVerify && <ManualVerification pseudonym={expert.pseudonym} who={who} />}
      {mayCheckOut && (
        <button
          type="button"
          data-action="check-out"
          onClick={() => {
            if (confirm(tp('checkOutConfirm', { who })))
              void act('/api/checkin/release', { pseudonym: expert.pseudonym });
          }}
        >
          {tp('checkOut')}
        </button>
      )}
    </li>
  );
}

function StateChange({ session }: { session: BoardSession }) {
  const [to, setTo] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  if (!FLOOR_STAFF.includes(me.value?.user.role ?? '') || session.next.length === 0) return null;
  if (to)
    return (
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act(`/api/sessions/${session.id}/state`, { to, reason: reason || undefined }).then(() => setTo(null));
        }}
      >
        <b>{labelOf(SESSION_STATE_LABELS, to)}</b>
        <input
          name="reason"
          placeholder={t('reason')}
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        <button type="submit">{t('confirm')}</button>
        <button type="button" class="link" onClick={() => setTo(null)}>
          {t('cancel')}
        </button>
      </form>
    );
  return (
    <div class="state-actions">
      {session.next.map((state) => (
        <button key={state} type="button" data-to={state} onClick={() => setTo(state)}>
          → {labelOf(SESSION_STATE_LABELS, state)}
        </button>
      ))}
    </div>
  );
}

export function SessionsPage() {
  const list = [...sessions.value].sort((a, b) => a.start - b.start);
  const [revision, setRevision] = useState(0);
  // Roll calls due after a fire are not in the board's data: the access status says which sessions owe one.
  const floorStaff = FLOOR_STAFF.includes(me.value?.user.role ?? '');
  const access = usePolled<{ rollCallsDue: string[] }>(floorStaff ? '/api/access/status' : null, 3000, revision);
  return (
    <section class="sessions">
      <p class="hint">
        {t('today')} · {formatTime(now.value, 'date')} {!me.value?.seesNames && <span>· {t('pseudonymOnly')}</span>}
      </p>
      {list.length === 0 && <p class="empty">{t('noSessionsToday')}</p>}
      <div class="cards">
        {list.map((s) => {
          const { checkedIn, total } = s.progress;
          return (
            <article key={s.id} class={`card state-${s.state}`} data-session={s.id}>
              <header>
                <span class={`state state-${s.state}`}>{labelOf(SESSION_STATE_LABELS, s.state)}</span>
                <h2>{zoneName(s.room)}</h2>
                <span class="progress" data-testid="checkin-progress">
                  {t('checkinProgress', { done: checkedIn, total })}
                </span>
              </header>
              <progress max={total || 1} value={checkedIn} />
              <dl>
                <dt>{t('project')}</dt>
                <dd>
                  {s.project.code} · {s.project.name}
                </dd>
                <dt>{t('transactionCode')}</dt>
                <dd>{s.transactionCode}</dd>
                <dt>{t('timeWindow')}</dt>
                <dd>
                  {formatTime(s.start)} – {formatTime(s.end)} <Timer session={s} />
                </dd>
                {s.remote && (
                  <>
                    <dt />
                    <dd>
                      {'guests' in s.remote
                        ? tr('hostedRemote', { venues: s.remote.guests.map((g) => venueName(g.venue)).join('、') })
                        : t('remote', { venue: venueName(s.remote.hostVenue) })}
                    </dd>
                  </>
                )}
              </dl>
              <h3>{t('experts')}</h3>
              <ul class="experts">
                {s.experts.map((e) => (
                  <ExpertRow key={e.pseudonym} session={s} expert={e} />
                ))}
              </ul>
              {access?.rollCallsDue.includes(s.id) && <RollCall session={s} onDone={() => setRevision((r) => r + 1)} />}
              <GuestRooms session={s} />
              <StateChange session={s} />
              {floorStaff && <DisplayNotice session={s} />}
            </article>
          );
        })}
      </div>
    </section>
  );
}
