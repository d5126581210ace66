import { computed, effect, signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { formatDuration, formatTime } from '../../i18n/index.ts';
import { request } from '../api.ts';
import { now } from '../now.ts';
import { playRing } from '../sound.ts';
import { lastError, me, venue } from '../store.ts';
import { zoneName } from '../venue-labels.ts';
import { ConsoleAudio } from './intercom-audio.ts';
import {
  callRoom,
  chooseConsole,
  consoleName,
  consoles,
  type IntercomCall,
  intercomCalls,
  loadIntercom,
  myCall,
  myConsole,
  waiting,
} from './intercom-calls.ts';
import { ti } from './intercom-messages.ts';

/** Roles that take calls; the server checks the same on every intercom write. */
export const INTERCOM_ROLES = ['administrator', 'witness'] as const;

const takesCalls = computed(() => (INTERCOM_ROLES as readonly string[]).includes(me.value?.user.role ?? ''));

/**
 * The call's audio lives outside the page component, so it keeps going while the witness looks at another
 * page: it starts when this console's call is connected and stops when the call ends.
 */
const audio = signal<ConsoleAudio | null>(null);
const speaker = globalThis.Audio ? new Audio() : null;
function startAudio(callId: string): void {
  if (!speaker) return;
  const consoleId = myConsole.value;
  const next = new ConsoleAudio(
    callId,
    (sdp) => request(`/api/intercom/calls/${callId}/audio`, { body: { console: consoleId, sdp } }),
    speaker,
  );
  audio.value = next;
  void next.start();
}

effect(() => {
  const call = myCall.value;
  const current = audio.peek();
  const wanted = takesCalls.value && call?.state === 'talking' ? call.id : null;
  if (current && current.callId !== wanted) {
    current.stop();
    audio.value = null;
  }
  if (wanted && audio.peek()?.callId !== wanted) startAudio(wanted);
});

/** After a failure (microphone refused, network): a new peer connection for the same call. */
function reconnectAudio(): void {
  const current = audio.peek();
  if (!current) return;
  current.stop();
  startAudio(current.callId);
}

/** Rings every few seconds while a call rings at this console and it is free to answer. */
const RING_EVERY_MS = 3000;
let lastRing = 0;
effect(() => {
  const at = now.value;
  const ringingHere = takesCalls.value && waiting.value.some((c) => c.console === myConsole.value);
  if (!ringingHere || myCall.value || at - lastRing < RING_EVERY_MS) return;
  if (playRing()) lastRing = at;
});

async function act(path: string): Promise<void> {
  try {
    await request(path, { body: { console: myConsole.value } });
    await loadIntercom();
  } catch (err) {
    lastError.value = (err as Error).message;
  }
}

const stateLabel = (state: IntercomCall['state']) =>
  ({ ringing: ti('callRinging'), talking: ti('callTalking'), ended: ti('callEnded') })[state];

function AudioStatus({ session }: { session: ConsoleAudio }) {
  const state = session.state.value;
  const label = {
    connecting: ti('audioConnecting'),
    connected: ti('audioConnected'),
    failed: ti('audioFailed', { reason: session.error.value ?? '' }),
    closed: ti('audioClosed'),
  }[state];
  const { received, sent, codec } = session.packets.value;
  return (
    <div
      class={`audio audio-${state}`}
      data-testid="audio"
      data-state={state}
      data-in={received}
      data-codec={codec}
      data-out={sent}
    >
      {ti('audio')}: {label} · {ti('packetsIn', { n: received })} · {ti('packetsOut', { n: sent })}
      {codec && ` · ${codec.replace('audio/', '')}`}
      {state === 'failed' && (
        <button type="button" data-action="reconnect-audio" onClick={reconnectAudio}>
          {ti('reconnect')}
        </button>
      )}
    </div>
  );
}

function CurrentCall() {
  const call = myCall.value;
  if (!call)
    return (
      <section class="card current-call" data-testid="current-call" data-state="idle">
        <h2>{ti('currentCall')}</h2>
        <p>{ti('noCall')}</p>
      </section>
    );
  return (
    <section class="card current-call" data-testid="current-call" data-state={call.state} data-call={call.id}>
      <h2>
        {ti('currentCall')} · {zoneName(call.room)}
      </h2>
      <p>
        {call.direction === 'from-room' ? ti('fromRoom') : ti('toRoom')} · {stateLabel(call.state)}
        {call.answeredAt && ` · ${ti('duration', { d: formatDuration(now.value - call.answeredAt) })}`}
      </p>
      {audio.value?.callId === call.id && <AudioStatus session={audio.value} />}
      <button
        type="button"
        class="danger"
        data-action="hangup"
        onClick={() => act(`/api/intercom/calls/${call.id}/hangup`)}
      >
        {ti('hangUp')}
      </button>
    </section>
  );
}

function Queue() {
  const list = waiting.value;
  const busy = myCall.value !== null;
  return (
    <section class="card queue" data-testid="queue">
      <h2>
        {ti('queue')}{' '}
        {list.length > 0 && (
          <span class="pill bad ringing">
            {ti('ringing')} {list.length}
          </span>
        )}
      </h2>
      {list.length === 0 && <p class="empty">{ti('queueEmpty')}</p>}
      <ol>
        {list.map((call) => (
          <li
            key={call.id}
            data-call={call.id}
            data-room={call.room}
            class={call.console === myConsole.value ? 'here' : ''}
          >
            <b>{zoneName(call.room)}</b> · {ti('ringingAt', { console: consoleName(call.console) })} ·{' '}
            {ti('waited', { d: formatDuration(now.value - call.startedAt) })}
            {call.escalations > 0 && ` · ${ti('escalated', { n: call.escalations })}`}
            <button
              type="button"
              disabled={busy}
              data-action="answer"
              onClick={() => act(`/api/intercom/calls/${call.id}/answer`)}
            >
              {ti('answer')}
            </button>
          </li>
        ))}
      </ol>
      {list.length > 1 && (
        <button type="button" disabled={busy} onClick={() => act('/api/intercom/answer')}>
          {ti('answerOldest')}
        </button>
      )}
    </section>
  );
}

function CallRoom() {
  const rooms = (venue.value?.devices ?? []).filter((d) => d.kind === 'intercom' && d.room).map((d) => d.room!);
  const [room, setRoom] = useState('');
  const call = () => callRoom(room).catch((err: Error) => (lastError.value = err.message));
  return (
    <section class="card call-room">
      <h2 id="call-room-title">{ti('callRoom')}</h2>
      {/* The select sits on its own row under the heading (it overlapped the heading before). */}
      <div class="call-room-form">
        <select
          value={room}
          onChange={(e) => setRoom(e.currentTarget.value)}
          name="room"
          aria-labelledby="call-room-title"
        >
          <option value="">—</option>
          {rooms.map((r) => (
            <option key={r} value={r}>
              {zoneName(r)}
            </option>
          ))}
        </select>
        <button type="button" disabled={!room || myCall.value !== null} data-action="call-room" onClick={call}>
          {ti('call')}
        </button>
      </div>
    </section>
  );
}

function Recent() {
  const ended = intercomCalls.value
    .filter((c) => c.state === 'ended')
    .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0))
    .slice(0, 10);
  if (!ended.length) return null;
  return (
    <section class="card recent">
      <h2>{ti('recent')}</h2>
      <ul>
        {ended.map((c) => (
          <li key={c.id} data-call={c.id}>
            {formatTime(c.startedAt)} · {zoneName(c.room)} · {consoleName(c.console)}
            {c.answeredAt && c.endedAt && ` · ${formatDuration(c.endedAt - c.answeredAt)}`}
            {c.recording && ` · ${ti('recorded')}`}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** 专家对讲: the waiting queue in call order, answer / hang up / call a room, and the call's audio. */
export function IntercomPage() {
  return (
    <section class="intercom">
      <div class="summary">
        <label>
          {ti('thisConsole')}{' '}
          <select name="console" value={myConsole.value} onChange={(e) => chooseConsole(e.currentTarget.value)}>
            {consoles.value.map((c) => (
              <option key={c} value={c}>
                {consoleName(c)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="cards">
        <CurrentCall />
        <Queue />
        <CallRoom />
        <Recent />
      </div>
    </section>
  );
}
