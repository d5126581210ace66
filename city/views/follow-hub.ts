// Keeps the city views current with the hub: rebuilt at start from the events received in the replay window,
// then fed each batch this process commits (`accepted`: the live alarm feed at once). Batches that other hub
// processes commit (several behind a load balancer over PostgreSQL) are read from the store by each venue's head,
// every `pollMs`; a committed batch that does not follow what the views hold is read the same way, so the views
// take every venue's events once and in order.
import type { CityHub, StoredEvent } from '../hub.ts';
import type { CityViews } from './city-views.ts';

export interface FollowOptions {
  /** How far back the rebuild reads (by time received): alarms and device states older than this are not shown. */
  replayMs: number;
  /** How often the store is asked for batches other hub processes took. */
  pollMs: number;
  /** A view that failed to take a batch (the batch itself is stored: the next poll reads it again). */
  onError: (err: unknown) => void;
  now?: number;
}

/** Events read from the store per step while catching up. */
const PAGE = 5000;

/** Starts following; the returned stop waits for a catch-up in progress, so the store can close after it. */
export async function followHub(views: CityViews, hub: CityHub, options: FollowOptions): Promise<() => Promise<void>> {
  let starting: [string, StoredEvent[], number][] | null = [];
  // One catch-up at a time; a batch that arrives out of turn waits for it.
  let turn: Promise<void> = Promise.resolve();
  const inTurn = (work: () => Promise<void>) => {
    turn = turn.then(work).catch(options.onError); // e.g. the store unreachable: the next poll retries
    return turn;
  };

  const heads = async () =>
    hub.store.db.selectFrom('venues').select(['id', 'head_seq']).execute() as Promise<
      { id: string; head_seq: number }[]
    >;
  const catchUp = async () => {
    for (const { id, head_seq } of await heads()) {
      views.knowVenue(id);
      for (let held = views.heldSeq(id); held < head_seq; held = views.heldSeq(id)) {
        const events = await hub.store.events(id, held + 1, Math.min(head_seq, held + PAGE));
        if (!events.length) break;
        views.apply(id, events, null);
      }
    }
  };
  const take = (venue: string, events: StoredEvent[], receivedAt: number) => {
    if (views.heldSeq(venue) + 1 === events[0]?.seq) views.apply(venue, events, receivedAt);
    else {
      views.contact(venue, receivedAt);
      void inTurn(catchUp);
    }
  };
  // Runs inside the hub's batch acceptance: it must never make the venue's batch fail.
  const onAccepted = (venue: string, events: StoredEvent[], receivedAt: number) => {
    try {
      if (starting) starting.push([venue, events, receivedAt]);
      else take(venue, events, receivedAt);
    } catch (err) {
      options.onError(err);
    }
  };
  hub.on('accepted', onAccepted);
  const startHeads = new Map<string, number>();
  try {
    for (const { id: venue, head_seq } of await heads()) {
      views.knowVenue(venue);
      // The last batch received is the last contact known before this start.
      const last = await hub.store.db
        .selectFrom('batches')
        .select('received_at')
        .where('venue', '=', venue)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (last) views.contact(venue, last.received_at);
      const checkpoint = await hub.store.latestCheckpoint(venue);
      if (checkpoint) views.signedHead(venue, checkpoint.size);
      startHeads.set(venue, head_seq);
    }
    for await (const { venue, events } of hub.replay((options.now ?? Date.now()) - options.replayMs))
      views.apply(venue, events, null);
    // A venue with nothing in the window: what it sent before stays unread, the polls take what comes after.
    for (const [venue, head] of startHeads) if (views.heldSeq(venue) === 0) views.skipTo(venue, head);
    for (const [venue, events, receivedAt] of starting) take(venue, events, receivedAt);
    starting = null;
  } catch (err) {
    hub.off('accepted', onAccepted);
    throw err;
  }
  const timer = setInterval(() => void inTurn(catchUp), options.pollMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    hub.off('accepted', onAccepted);
    await turn;
  };
}
