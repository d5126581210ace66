import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type PartialSettings, type StartVenueOptions, startVenue, type VenueRuntime } from '../app/start-venue.ts';
import type { Venue } from '../config/schema.ts';
import { loadVenue, venueFile } from '../config/venue-loader.ts';
import type { BusOptions } from '../edge/edge-config.ts';
import { SESSION_COOKIE } from '../hall-server/auth/guard.ts';
import type { Role } from '../hall-server/auth/roles.ts';
import { UserStore } from '../hall-server/auth/user-store.ts';
import { DeviceSimulator } from '../simulators/device-simulator.ts';
import { startVenueSimulators, type VenueSimulators } from '../simulators/venue-simulators.ts';

/** A venue file with every device heartbeating every `heartbeatS` seconds, so offline detection is quick in tests. */
export function testVenue(id = 'qinshui', heartbeatS = 1): Venue {
  const venue = loadVenue(venueFile(id));
  return { ...venue, devices: venue.devices.map((d) => ({ ...d, heartbeatS })) };
}

export function tempDir(prefix = 'halledge-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts a real venue edge on free ports: embedded broker (TCP + WS), SQLite in a temp dir, HTTP. `settings`: the
 * module settings a deployment would configure (edge/edge-config.ts), e.g. `{ video: { segmentS: 2 } }`.
 */
export async function startTestVenue(
  options: {
    venue?: Venue;
    dataDir?: string;
    keysDir?: string;
    bus?: BusOptions;
    http?: StartVenueOptions['http'];
    settings?: PartialSettings;
  } = {},
): Promise<VenueRuntime> {
  return startVenue({
    venue: options.venue ?? testVenue(),
    dataDir: options.dataDir ?? tempDir(),
    keysDir: options.keysDir,
    bus: options.bus ?? { kind: 'embedded', port: 0, wsPort: 0 },
    // Loopback plain HTTP: the harness says so; HTTPS is tested where a test asks for it (edge/tls).
    http: options.http ?? { port: 0, plain: true },
    settings: options.settings,
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
  });
}

export function simulatorFor(edge: VenueRuntime, deviceId: string, heartbeatS = 1): DeviceSimulator {
  const device = edge.registry.get(deviceId);
  if (!device) throw new Error(`no device ${deviceId}`);
  return new DeviceSimulator(
    { venue: edge.venue.id, kind: device.kind, id: deviceId, password: edge.deviceCredential(deviceId) },
    { brokerUrl: edge.bus.deviceUrl, heartbeatS },
  );
}

/**
 * Polls until the check passes and returns the value that passed; throws at the timeout with the last value seen
 * (and `what` was awaited, if given), so a wait can never pass silently. The timeout is a limit for a busy two-core
 * machine, not a speed bound.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
  what?: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      const seen = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v))?.slice(0, 500);
      const awaited = what ? ` waiting for ${what}` : '';
      throw new Error(`eventually: condition not met within ${timeoutMs} ms${awaited}; last value: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

const signedIn = new WeakMap<VenueRuntime, Map<string, { role: Role; token: string }>>();

/** The password the harness gives the users it signs in as. */
export const testPassword = (username: string) => `test-password-${username}`;

/** Makes (or takes over: role and password) a console user and returns the password to sign in with. */
export async function ensureUser(edge: VenueRuntime, username: string, role: Role): Promise<string> {
  const users = new UserStore(edge.db, edge.log);
  const password = testPassword(username);
  const existing = users.byUsername(username);
  if (!existing) await users.create({ username, password, role }, 'test-harness');
  else {
    await users.setPassword(username, password, 'test-harness');
    if (existing.role !== role) users.update(username, { role }, 'test-harness');
  }
  return password;
}

/**
 * Signs in to the venue's console API as `username` with `role` and returns the session token. The harness
 * makes the user first (or takes it over: role and password), then reuses the session for later calls.
 */
export async function signIn(
  edge: VenueRuntime,
  role: Role = 'administrator',
  username = `test-${role}`,
): Promise<string> {
  const cache = signedIn.get(edge) ?? new Map<string, { role: Role; token: string }>();
  signedIn.set(edge, cache);
  const cached = cache.get(username);
  if (cached?.role === role) return cached.token;
  const password = await ensureUser(edge, username, role);
  const response = await fetch(`${edge.httpUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`sign-in as ${username} failed: ${response.status} ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  cache.set(username, { role, token });
  return token;
}

/** The console's session cookie for a browser test (e.g. playwright `context.addCookies([cookie])`). */
export async function sessionCookie(
  edge: VenueRuntime,
  role: Role = 'administrator',
): Promise<{ name: string; value: string; url: string }> {
  return { name: SESSION_COOKIE, value: await signIn(edge, role), url: edge.httpUrl };
}

/** Headers that sign a raw request (e.g. a WebSocket) in as the role. */
export async function authHeaders(edge: VenueRuntime, role: Role = 'administrator'): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signIn(edge, role)}` };
}

/** Who a request says acts: `by` (or `witness`) in the body or the query; the API requires the signed-in user. */
function actorOf(path: string, body: unknown): string | undefined {
  const query = new URL(path, 'http://x').searchParams;
  for (const field of ['by', 'witness']) {
    const value = (body as Record<string, unknown> | undefined)?.[field] ?? query.get(field);
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * Calls the venue's HTTP API signed in as the given console role (default administrator) and parses the JSON
 * answer. A request that names its actor (`by`, `witness`) is made by a user of that name with the role. `role: null`
 * calls without signing in.
 */
export async function api<T = any>(
  edge: VenueRuntime,
  path: string,
  init: { method?: string; body?: unknown; role?: Role | null } = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = init.body === undefined ? {} : { 'content-type': 'application/json' };
  if (init.role !== null) {
    const role = init.role ?? 'administrator';
    headers.authorization = `Bearer ${await signIn(edge, role, actorOf(path, init.body) ?? `test-${role}`)}`;
  }
  const response = await fetch(`${edge.httpUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  // JSON and +json answers are parsed; NDJSON streams stay text.
  const json = /^application\/([\w.-]+\+)?json\b/.test(response.headers.get('content-type') ?? '');
  return { status: response.status, body: (text && json ? JSON.parse(text) : text || null) as T };
}

/**
 * Imports, through the API, a session that is running now — it started a minute ago (so its experts are inside the
 * late-entry window) and lasts three hours — in `room-1` unless told otherwise. Having started, it opens for
 * check-in at import.
 */
export async function importRunningSession(
  edge: VenueRuntime,
  session: {
    id: string;
    transactionCode: string;
    project: { code: string; name: string };
    room?: string;
    experts: { pseudonym: string; seat?: string }[];
    staff?: { id: string; role: 'witness' | 'supervisor' | 'agent' | 'staff' }[];
    /** Default: 3 hours after its start, a minute ago. */
    end?: number;
  },
): Promise<void> {
  const start = Date.now() - 60_000;
  const body = { session: { room: 'room-1', start, end: start + 3 * 3600_000, ...session } };
  const imported = await api(edge, '/api/sessions', { body });
  if (imported.status !== 200) throw new Error(`session ${session.id} not imported: ${JSON.stringify(imported.body)}`);
  if (imported.body.state !== 'checkin-open')
    throw new Error(`session ${session.id} check-in not opened at import: ${imported.body.state}`);
}

/**
 * Publishes `total` rtls position messages one after another (QoS 1), position i carrying at=i, so a receiver
 * can tell exactly which arrived. mqtt.js keeps unacknowledged messages and resends them after a reconnect.
 */
export async function sendNumberedPositions(rtls: DeviceSimulator, total: number): Promise<void> {
  for (let i = 1; i <= total; i++) {
    await rtls.event('positions', { positions: [{ badge: 'badge-1', x: 1, y: 1, floor: 'f3', accuracy: 0.3, at: i }] });
  }
}

/** Collects the `at` numbers of every rtls position the edge's gateway delivers. */
export function collectPositionNumbers(edge: VenueRuntime): Set<number> {
  const seen = new Set<number>();
  edge.gateway.onEvent('rtls', 'positions', (_d, p) => {
    for (const pos of p.positions as { at: number }[]) seen.add(pos.at);
  });
  return seen;
}

/** The venue's simulated devices that `only` picks, on the edge's broker with their own credentials, beating each second. */
export function simulatorsOf(edge: VenueRuntime, only: (deviceId: string) => boolean): Promise<VenueSimulators> {
  return startVenueSimulators(edge.venue, {
    brokerUrl: edge.bus.deviceUrl,
    credential: edge.deviceCredential,
    only,
    heartbeatS: 1,
  });
}
