// Shared by the tracking tests: a real venue edge, two running sessions, and the badge engine simulator.
import WebSocket from 'ws';
import type { VenueRuntime } from '../app/start-venue.ts';
import type { LoggedEvent } from '../edge/store/event-log.ts';
import type { TrackingConfig } from '../edge/tracking/config.ts';
import { BadgeSimulator } from '../simulators/badges/badge-simulator.ts';
import { authHeaders, eventually, startTestVenue, testVenue } from './venue-harness.ts';

/** Short thresholds so every rule fires within a second or two. */
export const FAST: Partial<TrackingConfig> = {
  exitToleranceM: 1,
  toleranceTimeoutMs: 1500,
  exitDelayMs: 300,
  timeoutMs: 5000,
  lostAfterMs: 1000,
  restroomMaxMs: 1500,
  contactDistanceM: 1.5,
  contactAfterMs: 1000,
  contactGraceMs: 400,
  tickMs: 50,
  flushMs: 100,
};

export interface TrackingFixture {
  edge: VenueRuntime;
  sim: BadgeSimulator;
  /** Every event the WebSocket feed delivered. */
  feed: LoggedEvent[];
  /** Positions of a badge the edge has handled. */
  fixes(badge: string): number;
  /** Waits until the edge has handled every position the simulator has published so far. */
  caughtUp(): Promise<void>;
  /** Waits until the edge has the badge inside the zone. */
  inZone(badge: string, zone: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Qinshui venue: session S1 in room-1 (experts E1, E2), S2 in room-2 (E3, E4), both in progress;
 * `checkins` maps expert → badge for those checked in.
 */
export async function startTrackingFixture(checkins: Record<string, string>): Promise<TrackingFixture> {
  const edge = await startTestVenue({ venue: testVenue('qinshui', 5) });
  // Counted from before the simulator connects, so the edge's count can be compared with what it published.
  const fixes = new Map<string, number>();
  let handled = 0;
  edge.gateway.onEvent('rtls', 'positions', (_d, p) => {
    for (const { badge } of p.positions as { badge: string }[]) fixes.set(badge, (fixes.get(badge) ?? 0) + 1);
    handled += p.positions.length;
  });
  edge.services.tracking.configure(FAST, 'test');
  const { sessions } = edge.services;
  const now = Date.now();
  sessions.importSchedule(
    [
      {
        id: 'S1',
        transactionCode: 'S1',
        project: { code: 'P1', name: 'P one' },
        room: 'room-1',
        start: now - 600_000,
        end: now + 7_200_000,
        experts: [{ pseudonym: 'E1' }, { pseudonym: 'E2' }],
      },
      {
        id: 'S2',
        transactionCode: 'S2',
        project: { code: 'P2', name: 'P two' },
        room: 'room-2',
        start: now - 600_000,
        end: now + 7_200_000,
        experts: [{ pseudonym: 'E3' }, { pseudonym: 'E4' }],
      },
    ],
    { source: 'test' },
  );
  for (const id of ['S1', 'S2']) {
    sessions.transition(id, 'checkin-open', { by: 'test' });
    sessions.transition(id, 'in-progress', { by: 'test' });
  }
  const device = edge.registry.get('rtls-1')!;
  const sim = new BadgeSimulator(
    { venue: edge.venue.id, kind: device.kind, id: device.id, password: edge.deviceCredential(device.id) },
    { brokerUrl: edge.bus.deviceUrl, heartbeatS: 5 },
    edge.venue,
    50,
  );
  await sim.connect();
  // Every badge to be checked in is heard before check-in (standing apart in the public hall), so none is lost.
  for (const [i, badge] of Object.values(checkins).entries()) sim.place(badge, [2 + 4 * i, 3], { speedMps: 20 });
  sim.run();
  const heard = () => new Set(edge.services.tracking.positions().map((p) => p.badge));
  await eventually(heard, (h) => Object.values(checkins).every((b) => h.has(b)), 10_000);
  for (const [pseudonym, badge] of Object.entries(checkins)) {
    const session = pseudonym === 'E1' || pseudonym === 'E2' ? 'S1' : 'S2';
    sessions.recordCheckin({ session, pseudonym, method: 'manual', badge });
  }
  const feed: TrackingFixture['feed'] = [];
  const ws = new WebSocket(`${edge.httpUrl.replace('http', 'ws')}/api/feed`, { headers: await authHeaders(edge) });
  ws.on('message', (m) => feed.push(JSON.parse(m.toString()).event));
  await new Promise((r) => ws.once('open', r));
  return {
    edge,
    sim,
    feed,
    fixes: (badge) => fixes.get(badge) ?? 0,
    async caughtUp() {
      // One connection, one topic: the edge handles the positions in the order they were published.
      const published = sim.published;
      await eventually(
        () => handled,
        (n) => n >= published,
        20_000,
        `the edge to handle ${published} positions`,
      );
    },
    async inZone(badge, zone) {
      const inside = () =>
        edge.services.tracking
          .occupancy()
          .find((z) => z.zone === zone)
          ?.present.some((p) => p.badge === badge) ?? false;
      await eventually(inside, Boolean, 20_000, `${badge} in ${zone}`);
    },
    async stop() {
      ws.close();
      await sim.stop();
      await edge.stop();
    },
  };
}

/** Alarm lifecycle events of one kind and subject, from the record. */
export function alarmEvents(edge: VenueRuntime, kind: string, subject: string): LoggedEvent[] {
  const raised = edge.log.query({ typePrefix: 'alarm.', limit: 100_000 }).filter((e) => e.subject === subject);
  const ids = new Set(
    raised.filter((e) => e.type === 'alarm.raised' && e.data.kind === kind).map((e) => e.data.alarmId),
  );
  return raised.filter((e) => ids.has(e.data.alarmId));
}

export function zoneEvents(edge: VenueRuntime, badge: string, zone?: string): LoggedEvent[] {
  return edge.log
    .query({ typePrefix: 'tracking.zone-', limit: 100_000 })
    .filter((e) => e.subject === badge && (zone === undefined || e.data.zone === zone));
}
