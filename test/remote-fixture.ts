// Shared by the remote-session test and bench: venue edges syncing to a test hub with the link on, and a remote
// session hosted at jincheng (room-1) with a guest room at gaoping (room-2), scheduled through the hub.
import type { VenueRuntime } from '../app/start-venue.ts';
import type { RemoteSessionInput } from '../city/remote/routes.ts';
import { defaultKeysDir } from '../edge/keys-dir.ts';
import { loadOrCreateVenueKey } from '../edge/sync/keys.ts';
import { configureSync, type TestHub } from './sync-fixture.ts';
import { eventually, startTestVenue, tempDir, testVenue } from './venue-harness.ts';

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

/** The guest-room media scene's venues: qinshui's room-1 has a camera (cam-room-1) and a station (ic-room-1). */
export const MEDIA_HOST = 'gaoping';
export const MEDIA_GUEST = 'qinshui';

/** A venue edge on the hub for the guest room's live view and calls (edge/remote-media): RTSP over TCP. */
async function mediaVenue(hub: TestHub, id: string): Promise<VenueRuntime> {
  const dataDir = tempDir(`halledge-${id}-`);
  await hub.hub.registerVenue(id, loadOrCreateVenueKey(defaultKeysDir(dataDir)).publicKeyPem);
  configureSync(dataDir, hub.hub, { url: hub.url });
  return startTestVenue({ venue: testVenue(id), dataDir, settings: { camera: { rtspTransport: 'tcp' } } });
}

/**
 * The guest-room media scene (test and bench): host and guest edges linked to the hub, the guest's room-1 camera on
 * the given streams, and a remote session scheduled at the hub — hosted in the host's room-1 with `witness` on its
 * staff, its guest room the guest's room-1 — held by both edges.
 */
export async function guestRoomScene(
  hub: TestHub,
  streams: { main: string; sub: string | undefined },
  session: { id: string; witness: string },
): Promise<{ host: VenueRuntime; guest: VenueRuntime }> {
  const [host, guest] = await Promise.all([mediaVenue(hub, MEDIA_HOST), mediaVenue(hub, MEDIA_GUEST)]);
  guest.services.video.addCamera('cam-room-1', streams.main, streams.sub);
  await eventually(
    () => [host, guest].every((edge) => edge.services.sync.link?.isUp),
    Boolean,
    20_000,
    'both edges linked to the hub',
  );
  const start = Date.now() - 60_000;
  const response = await scheduleRemote(hub.url, {
    id: session.id,
    transactionCode: `JC-${session.id}`,
    project: { code: 'P-REMOTE-1', name: '远程异地评标测试项目' },
    start,
    end: start + 3 * 3600_000,
    host: {
      venue: MEDIA_HOST,
      room: 'room-1',
      experts: [{ pseudonym: 'E-H1' }],
      staff: [{ id: session.witness, role: 'witness' }],
    },
    guests: [{ venue: MEDIA_GUEST, room: 'room-1', experts: [{ pseudonym: 'E-G1' }] }],
  });
  if (!response.ok) throw new Error(`scheduling at the hub: ${response.status} ${await response.text()}`);
  await eventually(
    () => [host, guest].every((edge) => edge.services.sessions.get(session.id)?.remote),
    Boolean,
    20_000,
    'the remote session at both edges',
  );
  return { host, guest };
}
