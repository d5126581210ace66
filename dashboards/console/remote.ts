// Remote sessions hosted here (远程异地评标): the guest rooms as the hub forwards them (GET /api/remote/sessions,
// hall-server/routes/remote.ts), polled each second while a page shows them.
import type { GuestRoomView } from '../../edge/remote/guest-view.ts';
import type { RemoteSessionView } from '../../edge/remote/remote-service.ts';
import type { CityLinkStatus } from '../../edge/sync/city-link.ts';
import { usePolled } from './pages/use-polled.ts';

export type GuestRoom = GuestRoomView;

export interface RemoteSessions {
  link: CityLinkStatus | null;
  sessions: RemoteSessionView[];
}

export const useRemoteSessions = () => usePolled<RemoteSessions>('/api/remote/sessions', 1000);
