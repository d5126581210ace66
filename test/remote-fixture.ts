// Shared by the remote-session test and bench: venue edges syncing to a test hub with the link on, and a remote
// session hosted at jincheng (room-1) with a guest room at gaoping (room-2), scheduled through the hub.
import type { VenueRuntime } from '../app/start-venue.ts';
import type { RemoteSessionInput } from '../city/remote/routes.ts';
import { defaultKeysDir } from '../edge/keys-dir.ts';
import { loadOrCreateVenueKey } from '../edge/sync/keys.ts';
import { configureSync, type TestHub } from './sync-fixture.ts';
import { startTestVenue, tempDir, testVenue } from './venue-harness.ts';

export const OPERATOR_TOKEN = 'city-operator-test-token';

/**
 * A venue edge enrolled with the hub, with the ordinary 200 ms linger and no pull to speak of (the link brings
 * schedules); `again`: the data directory of one started before (a restart).
 */
export async function remoteVenue(id: 'jincheng' | 'gaoping', hub: TestHub, again?: string): Promise<VenueRuntime> {
  if (again) return startTestVenue({ venue: testVenue(id, 30), dataDir: again });
  const dataDir = tempDir(`halledge-${id}-`);
  configureSync(dataDir, hub.hub, {
    url: hub.url,
    enrolToken: await hub.hub.issueEnrolToken(id),
    lingerMs: 200,
    pullMs: 600_000,
  });
  return startTestVenue({ venue: testVenue(id, 30), dataDir });
}

/** POST /v1/remote-sessions with the operator's token (or another, or none). */
export const scheduleRemote = (hubUrl: string, body: unknown, token: string | null = OPERATOR_TOKEN) =>
  fetch(`${hubUrl}/v1/remote-sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

/** A session running for three hours from a minute ago: two experts at jincheng, three in gaoping's room-2. */
export function remoteSessionInput(id: string, start = Date.now() - 60_000): RemoteSessionInput {
  return {
    id,
    transactionCode: `JY-${id}`,
    project: { code: 'P-RMT-001', name: '跨区域道路工程评标' },
    start,
    end: start + 3 * 3600_000,
    host: {
      venue: 'jincheng',
      room: 'room-1',
      experts: [{ pseudonym: 'EX-JC-1' }, { pseudonym: 'EX-JC-2' }],
      staff: [{ id: 'witness-jincheng', role: 'witness' }],
    },
    guests: [
      {
        venue: 'gaoping',
        room: 'room-2',
        experts: [{ pseudonym: 'EX-GP-1' }, { pseudonym: 'EX-GP-2' }, { pseudonym: 'EX-GP-3' }],
        staff: [{ id: 'witness-gaoping', role: 'witness' }],
      },
    ],
  };
}

/** A venue edge on the hub for the guest room's live view and calls (edge/remote-media): any venue, RTSP over TCP. */
export async function mediaVenue(hub: TestHub, id: string): Promise<VenueRuntime> {
  const dataDir = tempDir(`halledge-${id}-`);
  await hub.hub.registerVenue(id, loadOrCreateVenueKey(defaultKeysDir(dataDir)).publicKeyPem);
  configureSync(dataDir, hub.hub, { url: hub.url });
  return startTestVenue({ venue: testVenue(id), dataDir, settings: { camera: { rtspTransport: 'tcp' } } });
}
