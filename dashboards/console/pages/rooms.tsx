import { signal } from '@preact/signals';
import { useCameraOverview } from '../camera-overview.ts';
import { GuestRoomCard } from '../components/guest-room-card.tsx';
import { RoomCard } from '../components/room-card.tsx';
import { useRemoteSessions } from '../remote.ts';
import { tr } from '../remote-messages.ts';
import { venue } from '../store.ts';
import { zoneName } from '../venue-labels.ts';
import { tw } from '../wall-messages.ts';
import './monitoring.css';

const MY_ROOMS_KEY = 'halledge.myRooms';
/** The rooms this witness watches, kept per browser: a duty PC stays with its witness for the shift. */
const myRooms = signal<string[]>(JSON.parse(globalThis.localStorage?.getItem(MY_ROOMS_KEY) ?? '[]') as string[]);

function toggle(room: string): void {
  const next = myRooms.value.includes(room) ? myRooms.value.filter((r) => r !== room) : [...myRooms.value, room];
  myRooms.value = next;
  globalThis.localStorage?.setItem(MY_ROOMS_KEY, JSON.stringify(next));
}

/** 远程异地: the guest rooms (at other venues) of the remote sessions hosted here, when there are any. */
function GuestRooms() {
  const remote = useRemoteSessions();
  const guests = (remote?.sessions ?? []).flatMap((s) => s.guests.map((g) => ({ session: s.session, guest: g })));
  if (!guests.length) return null;
  return (
    <section class="guest-rooms" aria-label={tr('guestRooms')}>
      <h2 class="guest-rooms-title">{tr('guestRooms')}</h2>
      {remote?.link && remote.link.state !== 'up' && <p class="gap gap-open">{tr('linkDown')}</p>}
      <div class="room-cards">
        {guests.map(({ session, guest }) => (
          <GuestRoomCard key={`${session}/${guest.venue}`} session={session} guest={guest} />
        ))}
      </div>
    </section>
  );
}

export const evaluationRooms = () => (venue.value?.zones ?? []).filter((z) => z.type === 'evaluation-room');

/** 我的评标室: the rooms a witness watches as status cards (all rooms until some are ticked). */
export function RoomsPage() {
  const cameras = useCameraOverview() ?? [];
  const rooms = evaluationRooms();
  const chosen = rooms.filter((r) => myRooms.value.includes(r.id));
  const shown = chosen.length ? chosen : rooms;
  return (
    <section class="rooms">
      <fieldset class="my-rooms">
        <legend class="hint">{tw('myRoomsHint')}</legend>
        {rooms.map((r) => (
          <label key={r.id}>
            <input
              type="checkbox"
              name="my-room"
              value={r.id}
              checked={myRooms.value.includes(r.id)}
              onChange={() => toggle(r.id)}
            />
            {zoneName(r.id)}
          </label>
        ))}
      </fieldset>
      <div class="room-cards">
        {shown.map((r) => (
          <RoomCard key={r.id} room={r.id} cameras={cameras} />
        ))}
      </div>
      <GuestRooms />
    </section>
  );
}
