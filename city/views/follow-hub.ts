// Keeps the city views current with the hub: rebuilt at start from the events received in the replay window,
// then fed each committed batch. Listening starts before the replay, so nothing accepted meanwhile is missed;
// what both deliver is taken once (CityViews skips events it holds).
import type { CityHub, StoredEvent } from '../hub.ts';
import type { CityViews } from './city-views.ts';

export interface FollowOptions {
  /** How far back the rebuild reads (by time received): alarms and device states older than this are not shown. */
  replayMs: number;
  now?: number;
}

export async function followHub(views: CityViews, hub: CityHub, options: FollowOptions): Promise<() => void> {
  let waiting: [string, StoredEvent[], number][] | null = [];
  const onAccepted = (venue: string, events: StoredEvent[], receivedAt: number) => {
    if (waiting) waiting.push([venue, events, receivedAt]);
    else views.apply(venue, events, receivedAt);
  };
  hub.on('accepted', onAccepted);
  try {
    const { db } = hub.store;
    for (const venue of await hub.store.venueIds()) {
      views.knowVenue(venue);
      // The last batch received is the last contact known before this start.
      const last = await db
        .selectFrom('batches')
        .select('received_at')
        .where('venue', '=', venue)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (last) views.contact(venue, last.received_at);
      const checkpoint = await hub.store.latestCheckpoint(venue);
      if (checkpoint) views.signedHead(venue, checkpoint.size);
    }
    for await (const { venue, events } of hub.replay((options.now ?? Date.now()) - options.replayMs))
      views.apply(venue, events, null);
    for (const [venue, events, receivedAt] of waiting) views.apply(venue, events, receivedAt);
    waiting = null;
  } catch (err) {
    hub.off('accepted', onAccepted);
    throw err;
  }
  return () => hub.off('accepted', onAccepted);
}
