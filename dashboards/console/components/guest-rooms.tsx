import { useEffect, useState } from 'preact/hooks';
import { request } from '../api.ts';
import { ConsoleAudio } from '../pages/intercom-audio.ts';
import { tm } from '../remote-media-messages.ts';
import { venueName } from '../remote-messages.ts';
import { lastError } from '../store.ts';
import type { BoardSession } from '../types.ts';
import { GuestRoomVideo } from './live-tile.tsx';

interface GuestCall {
  id: string;
  state: 'connecting' | 'ringing' | 'talking' | 'ended';
  reason: string | null;
}

const CALL_POLL_MS = 1000;

/**
 * A call to a guest room's intercom station through the city hub: placed here, followed by polling its state,
 * the page's audio joined with WebRTC once the station answers — as a local call's (ConsoleAudio).
 */
function GuestCallPanel({ session, venue, onEnd }: { session: string; venue: string; onEnd: () => void }) {
  const [call, setCall] = useState<GuestCall | null>(null);
  const [packets, setPackets] = useState({ received: 0, sent: 0 });
  useEffect(() => {
    let stopped = false;
    let audio: ConsoleAudio | null = null;
    let timer: ReturnType<typeof setInterval> | undefined;
    // Off the page, as the intercom page's: the call's sound is not the page's content.
    const speaker = new Audio();
    const follow = (id: string) => async () => {
      const now = await request<GuestCall>(`/api/remote/calls/${id}`).catch(() => null);
      if (!now || stopped) return;
      setCall(now);
      if (now.state === 'talking' && !audio) {
        audio = new ConsoleAudio(id, (sdp) => request(`/api/remote/calls/${id}/audio`, { body: { sdp } }), speaker);
        void audio.start();
      }
      if (audio) setPackets(audio.packets.value);
      if (now.state === 'ended') audio?.stop();
    };
    request<GuestCall>(`/api/remote/sessions/${encodeURIComponent(session)}/guests/${encodeURIComponent(venue)}/call`, {
      body: {},
    }).then(
      (placed) => {
        if (stopped) return;
        setCall(placed);
        timer = setInterval(follow(placed.id), CALL_POLL_MS);
      },
      (err: Error) => {
        lastError.value = err.message;
        onEnd();
      },
    );
    return () => {
      stopped = true;
      clearInterval(timer);
      audio?.stop();
    };
  }, [session, venue]);
  const hangup = async () => {
    if (call) await request(`/api/remote/calls/${call.id}/hangup`, { body: {} }).catch(() => {});
    onEnd();
  };
  const state = call?.state ?? 'connecting';
  return (
    <div
      class="guest-call"
      data-guest-call={venue}
      data-state={state}
      data-in={packets.received}
      data-out={packets.sent}
    >
      <span>
        {tm('guestCall', { venue: venueName(venue) })} · {tm(`callState_${state}`)}
        {call?.reason && ` · ${call.reason}`}
      </span>
      <button type="button" data-action="hangup-guest-room" onClick={() => void hangup()}>
        {tm('hangup')}
      </button>
    </div>
  );
}

/**
 * 远程异地: the guest rooms of a session hosted here, each watched or called on demand — both cross the city
 * network, so no console opens one it does not show. The host edge lets only the session's staff in.
 */
export function GuestRooms({ session }: { session: BoardSession }) {
  const [open, setOpen] = useState<string | null>(null);
  const [calling, setCalling] = useState<string | null>(null);
  const guests = session.remote && 'guests' in session.remote ? session.remote.guests : [];
  if (guests.length === 0) return null;
  return (
    <div class="guest-rooms">
      {guests.map(({ venue }) => (
        <div key={venue} class="guest-room-actions">
          {open === venue ? (
            <figure class="guest-room" data-guest-room={venue}>
              <figcaption>{tm('guestRoomLive', { venue: venueName(venue) })}</figcaption>
              <GuestRoomVideo
                session={session.id}
                venue={venue}
                label={tm('guestRoomLive', { venue: venueName(venue) })}
              />
              <button type="button" class="link" onClick={() => setOpen(null)}>
                {tm('closeGuestRoom')}
              </button>
            </figure>
          ) : (
            <button type="button" data-action="watch-guest-room" data-venue={venue} onClick={() => setOpen(venue)}>
              {tm('watchGuestRoom', { venue: venueName(venue) })}
            </button>
          )}
          {calling === venue ? (
            <GuestCallPanel session={session.id} venue={venue} onEnd={() => setCalling(null)} />
          ) : (
            <button
              type="button"
              data-action="call-guest-room"
              data-venue={venue}
              disabled={calling !== null}
              onClick={() => setCalling(venue)}
            >
              {tm('callGuestRoom', { venue: venueName(venue) })}
            </button>
          )}
        </div>
      ))}
    </div>
  );
}
