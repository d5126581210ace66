import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { parseVenue, VenueConfigError, venueFile } from '../../config/venue-loader.ts';
import { IntercomStationSimulator } from '../../simulators/intercom/station-simulator.ts';
import { probeAudio } from '../../test/audio.ts';
import { api, eventually, startTestVenue, testVenue } from '../../test/venue-harness.ts';
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

async function venueWithSessions(rooms: string[], venue = testVenue('jincheng')): Promise<VenueRuntime> {
  const rt = await startTestVenue({ venue });
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

async function station(
  rt: VenueRuntime,
  id: string,
  autoAnswer = false,
  audioSeconds?: number,
): Promise<IntercomStationSimulator> {
  // Stations talk until the call ends (unless told to fall silent): a console hangs up while the station talks.
  const sim = new IntercomStationSimulator(
    { venue: rt.venue.id, kind: 'intercom', id, password: rt.deviceCredential(id) },
    { brokerUrl: rt.bus.deviceUrl, heartbeatS: 1, audioSeconds, autoAnswer },
  );
  stations.push(sim);
  await sim.connect();
  return sim;
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
      // The station talks a while: 80 of its 20 ms frames (one per tick, never bunched) reach the edge's bridge.
      await eventually(
        () => edge!.services.intercom.audioPackets(answered.body.id)?.station ?? 0,
        (n) => n >= 80,
        30_000,
        `${answered.body.room}'s audio`,
      );
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
      const recorded = events[3]!.data as { file: string; sha256: string; callId: string; seconds: number };
      expect(recorded.callId).toBe(call!.id);
      expect(recorded.file).toBe(join('recordings', 'intercom', `S-${room}`, `${call!.id}.ogg`));
      const file = join(edge.dataDir, recorded.file);
      expect(existsSync(file)).toBe(true);
      expect(await sha256File(file)).toBe(recorded.sha256);
      const { codec, duration } = probeAudio(file);
      expect(codec).toBe('opus');
      // Real audio of the call: the file lasts as long as the recorder's clock ran (recorded in the event), and the
      // call was up at least as long as the 80 frames the station sent at 20 ms intervals after the answer.
      expect(duration).toBeGreaterThan(0.3);
      expect(Math.abs(duration - recorded.seconds)).toBeLessThan(0.1);
      expect((call!.endedAt! - call!.answeredAt!) / 1000).toBeGreaterThanOrEqual(1.5);
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

  it('ends a call whose station falls silent, and tells the station', async () => {
    edge = await venueWithSessions(['room-3']);
    edge.services.intercom.configure({ mediaSilenceS: 1 });
    const sim = await station(edge, 'ic-room-3', false, 1);
    const callId = await sim.call();
    await eventually(
      () => edge!.services.intercom.queue().length,
      (n) => n === 1,
    );
    await api(edge, '/api/intercom/answer', { body: { console: 'console-1' }, role: 'witness' });
    const ended = await eventually(
      () => edge!.log.query({ type: 'intercom.call-ended' }),
      (e) => e.length === 1,
      6000,
    );
    expect(ended[0]).toMatchObject({ actor: 'system', data: { callId, reason: 'no audio from the station' } });
    await eventually(
      () => sim.state,
      (s) => s === 'idle',
    );
    expect(sim.received.map((c) => c.name)).toEqual(['connected', 'hangup']);
    // The second of tone it sent is recorded.
    const recorded = await eventually(
      () => edge!.log.query({ type: 'intercom.recording' }),
      (e) => e.length === 1,
    );
    expect(recorded[0]!.data).toMatchObject({ callId, codec: 'opus', channels: ['station', 'console'] });
  }, 20_000);

  it('joins audio only for the answering console, a witness or an administrator, and a valid PCMU offer', async () => {
    edge = await venueWithSessions(['room-1']);
    const sim = await station(edge, 'ic-room-1');
    const callId = await sim.call();
    await eventually(
      () => edge!.services.intercom.queue().length,
      (n) => n === 1,
    );
    const audio = (role: 'witness' | 'auditor' | 'operator', body: unknown) =>
      api(edge!, `/api/intercom/calls/${callId}/audio`, { body, role });
    const offer = { console: 'console-1', sdp: 'v=0\r\n' };
    expect((await audio('witness', offer)).status).toBe(409); // still ringing: no audio yet
    await api(edge, `/api/intercom/calls/${callId}/answer`, { body: { console: 'console-1' }, role: 'witness' });
    expect((await audio('auditor', offer)).status).toBe(403);
    expect((await audio('operator', offer)).status).toBe(403);
    const other = await audio('witness', { ...offer, console: 'console-2' });
    expect(other.status).toBe(409);
    expect(other.body.error).toContain('console');
    const garbage = await audio('witness', offer);
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toMatch(/^sdp: /);
    const missing = await audio('witness', { console: 'console-1' });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('sdp');
    // The call goes on: bad input loses nothing.
    expect(edge.services.intercom.get(callId).state).toBe('talking');
  }, 20_000);

  it('takes consoles and timeouts from the venue file; names a wrong setting', async () => {
    const venue = {
      ...testVenue('jincheng'),
      intercom: { consoles: ['witness-desk', 'supervisor-desk'], ringTimeoutS: 45, mediaSilenceS: 5 },
    };
    edge = await venueWithSessions(['room-1'], venue);
    expect(edge.services.intercom.settings()).toEqual({
      consoles: ['witness-desk', 'supervisor-desk'],
      ringTimeoutMs: 45_000,
      mediaSilenceS: 5,
    });
    const sim = await station(edge, 'ic-room-1');
    await sim.call();
    const [call] = await eventually(
      () => edge!.services.intercom.queue(),
      (q) => q.length === 1,
    );
    expect(call!.console).toBe('witness-desk');

    const raw = parse(readFileSync(venueFile('jincheng'), 'utf8'));
    raw.intercom = { consoles: [], ringTimeoutS: 1, mediaHost: '10.0.0.256', volume: 3 };
    let problems: string[] = [];
    try {
      parseVenue(raw, 'test.yaml');
    } catch (err) {
      if (err instanceof VenueConfigError) problems = err.problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/intercom\/consoles: /),
        expect.stringMatching(/^\/intercom\/ringTimeoutS: /),
        expect.stringMatching(/^\/intercom\/mediaHost: /),
        expect.stringMatching(/^\/intercom.*volume/),
      ]),
    );
  }, 20_000);
});
