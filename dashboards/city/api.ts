// What the city console reads from the hub (city/views/routes.ts): polled views and the live alarm feed.
import { signal } from '@preact/signals';
import type {
  AlarmFeedMessage,
  CityAlarm,
  CitySession,
  CityUserView,
  RemoteSessionListed,
  VenueDetail,
  VenueNames,
  VenueSummary,
} from '../../city/views/types.ts';
import { ApiError, reconnectingSocket, request, whenSignedOut } from '../console/api.ts';

export type { CityAlarm, CitySession, CityUserView, VenueDetail, VenueSummary };
export { ApiError, request };

export const me = signal<CityUserView | null>(null);
export const venues = signal<VenueSummary[]>([]);
export const venueNames = signal<VenueNames>({});
export const sessions = signal<CitySession[]>([]);
/** The remote sessions (远程异地评标) the hub scheduled, newest first (GET /v1/remote-sessions). */
export const remoteSessions = signal<RemoteSessionListed[]>([]);
/** Alarm changes, newest first, as the feed delivered them. */
export const alarmFeed = signal<CityAlarm[]>([]);
export const feedLive = signal(false);
export const lastError = signal<string | null>(null);

// The hub said the session is gone (expired, user disabled): back to sign-in.
whenSignedOut(() => {
  me.value = null;
});

const FEED_SHOWN = 100;
const POLL_MS = 5000;

export async function refresh(): Promise<void> {
  try {
    const [overview, today, remote] = await Promise.all([
      request<{ venues: VenueSummary[] }>('/api/city/venues'),
      request<{ sessions: CitySession[] }>('/api/city/sessions/today'),
      request<{ sessions: RemoteSessionListed[] }>('/v1/remote-sessions'),
    ]);
    venues.value = overview.venues;
    sessions.value = today.sessions;
    remoteSessions.value = remote.sessions;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) lastError.value = (err as Error).message;
  }
}

/** Polls the views and follows the alarm feed (reconnecting) until the returned stop is called. */
export function follow(): () => void {
  const closeFeed = reconnectingSocket(
    () => '/api/city/alarms/live',
    (data) => {
      const message = JSON.parse(data) as AlarmFeedMessage;
      if (message.type === 'recent') alarmFeed.value = message.alarms.slice(0, FEED_SHOWN);
      else {
        alarmFeed.value = [message.alarm, ...alarmFeed.value].slice(0, FEED_SHOWN);
        void refresh(); // the venue's open-alarm counts changed
      }
    },
    (live) => {
      feedLive.value = live;
    },
  );
  request<VenueNames>('/api/city/venue-names').then(
    (names) => (venueNames.value = names),
    () => {},
  );
  void refresh();
  const timer = setInterval(() => void refresh(), POLL_MS);
  return () => {
    clearInterval(timer);
    closeFeed();
  };
}
