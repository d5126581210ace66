import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IntercomStationSimulator } from '../../simulators/intercom/station-simulator.ts';
import { api, eventually, startTestVenue, testVenue } from '../../test/venue-harness.ts';
import type { VenueRuntime } from '../runtime.ts';
import { sha256File } from './call-recorder.ts';
import type { Call } from './intercom-service.ts';

let edge: VenueRuntime | undefined;
const stations: IntercomStationSimulator[] = [];
afterEach(async () => {
  for (const s of stations.splice(0)) await s.stop();
  await edge?.stop();
  edge = undefined;
});

const HOUR = 3600_000;

async function venueWithSessions(rooms: string[]): Promise<VenueRuntime> {
  const rt = await startTestVenue({ venue: testVenue('jincheng') });
  const now = Date.now();
  rt.services.sessions.importSchedule(
    rooms.map((room) => ({
      id: `S-${room}`,
      transactionCode: `T-${room}`,
      project: { code: `P-${room}`, name: '项目' },
      room,
      start: now - HOUR / 2,
      end: now + 2 * HOUR,
      experts: [{ pseudonym: `EXP-${room}` }],
    })),
    { source: 'platform' },
  );
  for (const room of rooms) {
    rt.services.sessions.transition(`S-${room}`, 'checkin-open', { by: 'WIT-1' });
    rt.services.sessions.transition(`S-${room}`, 'in-progress', { by: 'WIT-1' });
  }
  return rt;
}

async function station(rt: VenueRuntime, id: string, autoAnswer = false): Promise<IntercomStationSimulator> {
  // Audio runs longer than the calls: a console hangs up while the station still talks, as in real life.
  const sim = new IntercomStationSimulator(
    { venue: rt.venue.id, kind: 'intercom', id, password: rt.deviceCredential(id) },
    { brokerUrl: rt.bus.deviceUrl, heartbeatS: 1, audioSeconds: 5, autoAnswer },
  );
  stations.push(sim);
  await sim.connect();
  return sim;
}

function probe(file: string): { codec: string; duration: number } {
  const out = JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file],
      {
        encoding: 'utf8',
      },
    ),
  );
  return { codec: out.streams[0].codec_name, duration: Number(out.format.duration) };
}

const queued = (rt: VenueRuntime) => rt.services.intercom.queue().map((c) => c.room);

describe('expert intercom', () => {
  it('queues calls from three rooms, answers them in order, records each call bound to its session', async () => {
    edge = await venueWithSessions(['room-1', 'room-2', 'room-3']);
    edge.services.intercom.configure({ mediaSilenceS: 1 });
    const sims = Object.fromEntries(
      await Promise.all(
        ['room-1', 'room-2', 'room-3'].map(async (r) => [r, await station(edge!, `ic-room-${r.slice(5)}`)]),
      ),
    ) as Record<string, IntercomStationSimulator>;

    for (const room of ['room-3', 'room-1', 'room-2']) await sims[room]!.call();
    expect(
      await eventually(
        () => queued(edge!),
        (q) => q.length === 3,
      ),
    ).toEqual(['room-3', 'room-1', 'room-2']);
    expect(edge.services.intercom.queue().every((c) => c.console === 'console-1')).toBe(true);

    const answeredRooms: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answered = await api<Call>(edge, '/api/intercom/answer', {
        body: { console: 'console-1' },
        role: 'witness',
      });
      expect(answered.status).toBe(200);
      answeredRooms.push(answered.body.room);
      // One call at a time per console.
      const busy = await api(edge, '/api/intercom/answer', { body: { console: 'console-1' } });
      expect(busy.status).toBe(409);
      const sim = sims[answered.body.room]!;
      await eventually(
        () => sim.state,
        (s) => s === 'talking',
      );
      await new Promise((r) => setTimeout(r, 1500));
      const hung = await api<Call>(edge, `/api/intercom/calls/${answered.body.id}/hangup`, {
        body: { console: 'console-1' },
      });
      expect(hung.body.state).toBe('ended');
      await eventually(
        () => sim.state,
        (s) => s === 'idle',
      );
    }
    expect(answeredRooms).toEqual(['room-3', 'room-1', 'room-2']);
    expect(queued(edge)).toEqual([]);

    for (const room of ['room-1', 'room-2', 'room-3']) {
      const [call] = edge.services.intercom.list({ session: `S-${room}` });
      expect(call).toMatchObject({ room, state: 'ended', session: `S-${room}` });
      // The recording is recorded once its ffmpeg has finished writing the file, a moment after the hang-up.
      const venue = edge;
      const events = await eventually(
        () => venue.log.query({ session: `S-${room}`, typePrefix: 'intercom.' }),
        (list) => list.length >= 4,
        10_000,
      );
      expect(events.map((e) => e.type)).toEqual([
        'intercom.call-started',
        'intercom.call-answered',
        'intercom.call-ended',
        'intercom.recording',
      ]);
      const recorded = events[3]!.data as { file: string; sha256: string; callId: string };
      expect(recorded.callId).toBe(call!.id);
      expect(recorded.file).toBe(join('recordings', 'intercom', `S-${room}`, `${call!.id}.ogg`));
      const file = join(edge.dataDir, recorded.file);
      expect(existsSync(file)).toBe(true);
      expect(await sha256File(file)).toBe(recorded.sha256);
      const { codec, duration } = probe(file);
      expect(codec).toBe('opus');
      // Real audio of the 1.5 s the call was up (less the station's ffmpeg start-up), not more than the call.
      expect(duration).toBeGreaterThan(0.3);
      expect(duration).toBeLessThan((call!.endedAt! - call!.answeredAt!) / 1000 + 0.2);
    }
  }, 30_000);

  it('escalates an unanswered call to the next console, then raises an alarm; answering clears it', async () => {
    edge = await venueWithSessions(['room-4']);
    edge.services.intercom.configure({ ringTimeoutMs: 300, consoles: ['console-1', 'console-2'] });
    const sim = await station(edge, 'ic-room-4');
    const callId = await sim.call();

    const escalated = await eventually(
      () => edge!.log.query({ type: 'intercom.call-escalated' }),
      (e) => e.length === 1,
    );
    expect(escalated[0]).toMatchObject({ session: 'S-room-4', data: { callId, from: 'console-1', to: 'console-2' } });
    const alarm = await eventually(() => edge!.alarms.list().find((a) => a.kind === 'intercom-unanswered'), Boolean);
    expect(alarm).toMatchObject({ subject: 'room-4', session: 'S-room-4' });
    expect(edge.services.intercom.get(callId)).toMatchObject({
      state: 'ringing',
      console: 'console-2',
      escalations: 1,
    });

    const answered = await api<Call>(edge, `/api/intercom/calls/${callId}/answer`, { body: { console: 'console-2' } });
    expect(answered.body).toMatchObject({ state: 'talking', console: 'console-2' });
    expect(edge.alarms.list().find((a) => a.kind === 'intercom-unanswered')?.state).not.toBe('raised');
    // The station hangs up this time.
    await sim.hangup();
    const ended = await eventually(
      () => edge!.services.intercom.get(callId).state,
      (s) => s === 'ended',
    );
    expect(ended).toBe('ended');
    expect(edge.log.query({ type: 'intercom.call-ended' })[0]).toMatchObject({ actor: 'ic-room-4' });
  }, 20_000);

  it('lets a console call a room: the station rings, answers and is hung up by the console', async () => {
    edge = await venueWithSessions(['room-2']);
    const sim = await station(edge, 'ic-room-2', true);
    const calling = await api<Call>(edge, '/api/intercom/rooms/room-2/call', { body: { console: 'console-1' } });
    expect(calling.body).toMatchObject({ direction: 'to-room', session: 'S-room-2', station: 'ic-room-2' });
    await eventually(
      () => edge!.services.intercom.get(calling.body.id).state,
      (s) => s === 'talking',
    );
    expect(sim.received.map((c) => c.name)).toEqual(['ring', 'connected']);
    await api(edge, `/api/intercom/calls/${calling.body.id}/hangup`, { body: { console: 'console-1' } });
    expect(sim.received.map((c) => c.name)).toEqual(['ring', 'connected', 'hangup']);
    expect(edge.services.intercom.get(calling.body.id).state).toBe('ended');

    const nowhere = await api(edge, '/api/intercom/rooms/room-9/call', { body: { console: 'console-1' } });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error).toContain('room');
  }, 20_000);
});
