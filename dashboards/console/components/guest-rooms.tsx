import { useState } from 'preact/hooks';
import { tr } from '../remote-media-messages.ts';
import type { BoardSession } from '../types.ts';
import { GuestRoomVideo } from './live-tile.tsx';

/**
 * 远程异地: the guest rooms of a session hosted here, each opened on demand — a view crosses the city network, so
 * no console pulls one it does not show. The host edge lets only the session's staff open it.
 */
export function GuestRooms({ session }: { session: BoardSession }) {
  const [open, setOpen] = useState<string | null>(null);
  const guests = session.remote && 'guests' in session.remote ? session.remote.guests : [];
  if (guests.length === 0) return null;
  return (
    <div class="guest-rooms">
      {guests.map(({ venue }) =>
        open === venue ? (
          <figure key={venue} class="guest-room" data-guest-room={venue}>
            <figcaption>{tr('guestRoomLive', { venue })}</figcaption>
            <GuestRoomVideo session={session.id} venue={venue} label={tr('guestRoomLive', { venue })} />
            <button type="button" class="link" onClick={() => setOpen(null)}>
              {tr('closeGuestRoom')}
            </button>
          </figure>
        ) : (
          <button
            key={venue}
            type="button"
            data-action="watch-guest-room"
            data-venue={venue}
            onClick={() => setOpen(venue)}
          >
            {tr('watchGuestRoom', { venue })}
          </button>
        ),
      )}
    </div>
  );
}
