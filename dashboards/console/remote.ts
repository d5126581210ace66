// Remote sessions hosted here (远程异地评标): the guest rooms as the hub forwards them (GET /api/remote/sessions,
// hall-server/routes/remote.ts), polled each second while a page shows them.
import { usePolled } from './pages/use-polled.ts';

export interface GuestRoom {
  venue: string;
  room: string;
  state: string | null;
  checkins: { pseudonym: string; seat: string | null; method: string | null; at: number; receivedAt: number }[];
  alarms: {
    alarmId: string;
    kind: string;
    level: number;
    content: string;
    state: 'raised' | 'acknowledged' | 'resolved';
    at: number;
    receivedAt: number;
  }[];
  gaps: { from: number; to: number | null; caughtUp: number | null }[];
  events: number;
  lastEvent: { seq: number; type: string; at: number; receivedAt: number } | null;
}

export interface RemoteSessions {
  link: { state: string; since: number } | null;
  sessions: { session: string; transactionCode: string; room: string; state: string; guests: GuestRoom[] }[];
}

export const useRemoteSessions = () => usePolled<RemoteSessions>('/api/remote/sessions', 1000);
