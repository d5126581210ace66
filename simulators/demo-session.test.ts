import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../app/start-venue.ts';
import { dayBounds, venueDay } from '../edge/sessions/model.ts';
import { api, simulatorsOf, startTestVenue } from '../test/venue-harness.ts';
import { importDemoSession, playDemoCheckins } from './demo-session.ts';
import type { FaceTerminalSimulator } from './face-terminal/face-terminal-simulator.ts';
import type { VenueSimulators } from './venue-simulators.ts';

let edge: VenueRuntime;
let simulators: VenueSimulators;

beforeAll(async () => {
  edge = await startTestVenue();
  simulators = await simulatorsOf(edge, (id) => id === 'ft-entrance' || id === 'locker-bank-1');
}, 30_000);

afterAll(async () => {
  await simulators?.stop();
  await edge?.stop();
});

describe('demo sample session', () => {
  it("imports today's session with pseudonymous experts and plays face check-ins from face-api's sample photos, without the shared ones", async () => {
    const demo = importDemoSession(edge.services, edge.venue);
    const board = (await api(edge, '/api/console/sessions', { role: 'operator' })).body as {
      id: string;
      state: string;
      room: string;
      experts: { pseudonym: string; name: string | null }[];
    }[];
    const shown = board.find((s) => s.id === demo.session);
    expect(shown).toMatchObject({ state: 'checkin-open', room: 'room-1' });
    expect(shown!.experts.map((e) => e.pseudonym)).toEqual(demo.experts.map((e) => e.pseudonym));
    expect(shown!.experts.every((e) => e.name === null && /^ZJ-\d{6}-\d{2}$/.test(e.pseudonym))).toBe(true);

    const terminal = simulators.get('ft-entrance') as FaceTerminalSimulator;
    await edge.services.checkin.prewarm();
    // sharedFaces: false — as on a fresh clone, where ../shared/faces does not exist.
    let source = '';
    const played = await playDemoCheckins(terminal, edge.services, demo, {
      genuine: 1,
      pauseMs: 0,
      sharedFaces: false,
      attemptTimeoutMs: 120_000,
      onCast: (cast) => {
        source = cast.source;
      },
    });
    expect(source).toBe('face-api samples');
    expect(played.map((p) => [p.pseudonym, p.impostor, p.shown.accepted])).toEqual([
      [demo.experts[0]!.pseudonym, false, true],
      [demo.experts[1]!.pseudonym, true, false],
    ]);
    const session = edge.services.sessions.get(demo.session)!;
    expect(session.checkins.map((c) => [c.pseudonym, c.method])).toEqual([
      [demo.experts[0]!.pseudonym, 'id-card+face'],
    ]);

    // A second start the same day finds the session and skips who is already in.
    const again = importDemoSession(edge.services, edge.venue);
    expect(again.session).toBe(demo.session);
    expect(edge.services.sessions.get(demo.session)!.checkins).toHaveLength(1);
    expect(edge.services.sessions.get(demo.session)!.start).toBe(edge.services.sessions.get(again.session)!.start);

    // Once today's session is completed, the next start brings a new one with its own experts, open for check-in.
    for (const state of ['in-progress', 'completed'] as const)
      edge.services.sessions.transition(demo.session, state, { by: 'test', reason: 'demo day over' });
    const next = importDemoSession(edge.services, edge.venue);
    expect(next.session).toBe(`${demo.session}-2`);
    expect(edge.services.sessions.get(next.session)).toMatchObject({ state: 'checkin-open', room: 'room-1' });
    expect(next.experts.map((e) => e.pseudonym)).not.toContain(demo.experts[0]!.pseudonym);
  }, 600_000);

  it('reuses the demo session running across midnight in Shanghai instead of booking its room twice', async () => {
    const other = await startTestVenue();
    try {
      // A minute before and a minute after the coming midnight, venue time (the future: nothing has ended yet).
      const midnight = dayBounds(venueDay(Date.now() + 86_400_000))![0];
      const before = importDemoSession(other.services, other.venue, midnight - 60_000);
      const after = importDemoSession(other.services, other.venue, midnight + 60_000);
      expect(after).toEqual(before);
      expect(other.services.sessions.list().filter((s) => s.id.startsWith('DEMO-'))).toHaveLength(1);
    } finally {
      await other.stop();
    }
  });
});
