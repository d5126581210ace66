// What the city API answers (city/views/routes.ts) and the city console reads (dashboards/city). Only ids, codes,
// counts, levels and times: nothing here can carry a name, a face or a position (facts.ts admits nothing else).

export type AlarmLevel = 1 | 2 | 3;
export type AlarmState = 'raised' | 'acknowledged' | 'resolved';

/**
 * How the city hears from a venue: `online` (heard within the offline threshold), `offline` (silent longer),
 * `stopped` (silent, and the last fact it sent was its edge stopping cleanly), `never` (nothing received yet).
 */
export type VenueLink = 'online' | 'offline' | 'stopped' | 'never';

/** The kind shown for an alarm whose kind is not in this hub's catalogue (edge/alerts/alarm-kinds.ts). */
export const UNKNOWN_ALARM_KIND = 'unknown';

export interface CityAlarm {
  venue: string;
  alarmId: string;
  /** HallEdge alarm kind (edge/alerts/alarm-kinds.ts), the page labels it. */
  kind: string;
  level: AlarmLevel;
  /** Room, zone, door or device id the alarm is about, if the venue named one. */
  place: string | null;
  session: string | null;
  raisedAt: number;
  state: AlarmState;
  /** When it last changed state (raisedAt while raised). */
  changedAt: number;
}

export interface DeviceHealth {
  id: string;
  kind: string | null;
  online: boolean;
  /** Why it went offline (last-will, heartbeat-timeout, …), or null while online. */
  reason: string | null;
  since: number;
}

export interface VenueSummary {
  venue: string;
  link: VenueLink;
  /** Last batch accepted or signed request from the venue. */
  lastContact: number | null;
  /** Highest seq the hub holds for the venue. */
  heldSeq: number;
  /** Time of the newest event held. */
  lastEventAt: number | null;
  /** How old the newest event of the last batch was when it arrived (ms): the upload delay. */
  lagMs: number | null;
  /** Events the venue has signed (its latest checkpoint) that the hub does not hold yet; null if unknown. */
  seqBehind: number | null;
  devices: { online: number; offline: number };
  /** Open (raised or acknowledged) alarms by level. */
  openAlarms: Record<AlarmLevel, number>;
  sessionsToday: number;
}

export interface CitySession {
  venue: string;
  id: string;
  transactionCode: string | null;
  projectCode: string | null;
  room: string | null;
  start: number | null;
  end: number | null;
  state: string;
  /** Hosted at another venue (远程异地评标): where. */
  remote: { hostVenue: string; hostRoom: string | null } | null;
  experts: number;
  checkedIn: number;
}

export interface VenueDetail extends VenueSummary {
  deviceList: DeviceHealth[];
  alarms: CityAlarm[];
  sessions: CitySession[];
}

/** The live alarm feed (WebSocket /api/city/alarms/live): the latest changes on connect, then each change. */
export type AlarmFeedMessage = { type: 'recent'; alarms: CityAlarm[] } | { type: 'alarm'; alarm: CityAlarm };

/** Venues' names from the hub's own copy of the topology files (not from uploads): GET /api/city/venue-names. */
export type VenueNames = Record<string, { name: string; nameEn: string }>;

export interface CityUserView {
  username: string;
  displayName: string;
  role: CityRole;
}

export const CITY_ROLES = ['city-admin', 'city-supervisor'] as const;
export type CityRole = (typeof CITY_ROLES)[number];

// Remote sessions (远程异地评标) as GET /v1/remote-sessions lists them (city/remote/session-list.ts).
export interface RemoteSessionSeat {
  venue: string;
  room: string;
  /** The venue's edge↔hub link is up (to this hub process). */
  linked: boolean;
}

export interface RemoteSessionListed {
  id: string;
  transactionCode: string | null;
  projectCode: string | null;
  /** As scheduled: epoch ms or the ISO text the scheduler gave. */
  start: number | string | null;
  end: number | string | null;
  host: RemoteSessionSeat;
  guests: RemoteSessionSeat[];
  scheduledAt: number;
}
