import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Venue } from '../config/schema.ts';
import { loadVenue, venueFile } from '../config/venue-loader.ts';
import { type BusOptions, startVenue, type VenueRuntime } from '../edge/runtime.ts';
import { DeviceSimulator } from '../simulators/device-simulator.ts';

/** A venue file with every device heartbeating every `heartbeatS` seconds, so offline detection is quick in tests. */
export function testVenue(id = 'qinshui', heartbeatS = 1): Venue {
  const venue = loadVenue(venueFile(id));
  return { ...venue, devices: venue.devices.map((d) => ({ ...d, heartbeatS })) };
}

export function tempDir(prefix = 'halledge-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts a real venue edge on free ports: embedded broker (TCP + WS), SQLite in a temp dir, HTTP. */
export async function startTestVenue(
  options: { venue?: Venue; dataDir?: string; bus?: BusOptions } = {},
): Promise<VenueRuntime> {
  return startVenue({
    venue: options.venue ?? testVenue(),
    dataDir: options.dataDir ?? tempDir(),
    bus: options.bus ?? { kind: 'embedded', port: 0, wsPort: 0 },
    http: { port: 0 },
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

/** Polls until the check passes or the time is up; returns the last value for the assertion. */
export async function eventually<T>(check: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Calls the venue's HTTP API as the given console role and parses the JSON answer. Every test goes through
 * this, so when sign-in and roles guard the API the tests sign in here in one place.
 */
export async function api<T = any>(
  edge: VenueRuntime,
  path: string,
  init: { method?: string; body?: unknown; role?: 'administrator' | 'witness' | 'auditor' | 'operator' } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${edge.httpUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
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
