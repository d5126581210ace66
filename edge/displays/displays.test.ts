import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { Board, RoomBoard } from '../../devices/display/contract.ts';
import { DisplaySimulator } from '../../simulators/display/display-simulator.ts';
import { api, eventually, startTestVenue, testVenue } from '../../test/venue-harness.ts';
import type { EvaluationSession } from '../sessions/model.ts';
import { elapsedSeconds, roomBoard } from './board.ts';

let edge: VenueRuntime | undefined;
const sims: DisplaySimulator[] = [];
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.stop();
  await edge?.stop();
  edge = undefined;
});

const HOUR = 3600_000;
/** Stand-ins for what must never reach a display: expert pseudonyms and names, staff ids, the project name. */
const SECRETS = ['EXP-ZHANGSAN', 'EXP-LISI', 'EXP-WANGWU', '张三', '李四', 'WIT-ZHAO', '保密项目名称'];

function display(edgeRt: VenueRuntime, id: string): DisplaySimulator {
  const sim = new DisplaySimulator(
    { venue: edgeRt.venue.id, kind: 'display', id, password: edgeRt.deviceCredential(id) },
    { brokerUrl: edgeRt.bus.deviceUrl, heartbeatS: 1 },
  );
  sims.push(sim);
  return sim;
}

const roomOf = (b: Board | null, room: string): RoomBoard | undefined => b?.rooms.find((r) => r.room === room);

describe('evaluation-info displays', () => {
  it('shows each session state on the room and hall boards, retained across a reboot, never a name', async () => {
    edge = await startTestVenue({ venue: testVenue('jincheng') });
    const wire: string[] = [];
    await edge.bus.subscribe(`hall/${edge.venue.id}/display/#`, (m) => wire.push(m.payload.toString('utf8')));
    const pages: string[] = [];
    edge.services.displays.on('content', (_id, b) => pages.push(JSON.stringify(b)));
    const room1 = display(edge, 'board-room-1');
    const hall = display(edge, 'board-hall');
    await Promise.all([room1.connect(), hall.connect()]);

    // No session yet: idle (空闲).
    await eventually(
      () => room1.board,
      (b) => roomOf(b, 'room-1')?.state === 'idle',
    );
    expect(roomOf(room1.board, 'room-1')).toMatchObject({ stateLabel: '空闲', projectCode: null });

    // Real names recorded the way the console records them: they must still never reach a display.
    for (const [pseudonym, name] of [
      ['EXP-ZHANGSAN', '张三'],
      ['EXP-LISI', '李四'],
    ]) {
      const named = await api(edge, `/api/people/${pseudonym}/name`, { method: 'PUT', body: { name } });
      expect(named.status).toBe(200);
    }
    const { sessions } = edge.services;
    // The window holds the present, so the session is today's at any hour of the day (a start an hour ahead
    // would fall on tomorrow after 23:00 in Shanghai, and no board shows tomorrow's sessions).
    const now = Date.now();
    sessions.importSchedule(
      [
        {
          id: 'S1',
          transactionCode: 'JC-2026-0001',
          project: { code: 'P-0001', name: '保密项目名称' },
          room: 'room-1',
          start: now - 60_000,
          end: now + 4 * HOUR,
          experts: [{ pseudonym: 'EXP-ZHANGSAN' }, { pseudonym: 'EXP-LISI' }, { pseudonym: 'EXP-WANGWU' }],
          staff: [{ id: 'WIT-ZHAO', role: 'witness' }],
        },
      ],
      { source: 'platform' },
    );
    const expectState = async (state: RoomBoard['state'], label: string) => {
      const b = await eventually(
        () => roomOf(room1.board, 'room-1'),
        (r) => r?.state === state,
      );
      expect(b).toMatchObject({ state, stateLabel: label, projectCode: 'P-0001', room: 'room-1' });
      const h = await eventually(
        () => roomOf(hall.board, 'room-1'),
        (r) => r?.state === state,
      );
      expect(h?.stateLabel).toBe(label);
      return b!;
    };

    let b = await expectState('preparing', '准备');
    expect(b).toMatchObject({ scheduledStart: now - 60_000, scheduledEnd: now + 4 * HOUR, startedAt: null });
    expect(b.checkin).toEqual({ done: 0, expected: 3 });
    expect(hall.board?.kind).toBe('hall');
    expect(hall.board?.rooms.map((r) => r.room)).toEqual(['room-1', 'room-2', 'room-3', 'room-4', 'room-5', 'room-6']);
    expect(roomOf(hall.board, 'room-2')?.state).toBe('idle');

    // Check-in opens on its own an hour before the start; the witness opens it if the timer has not yet.
    if (sessions.get('S1')!.state === 'scheduled') sessions.transition('S1', 'checkin-open', { by: 'WIT-ZHAO' });
    sessions.recordCheckin({ session: 'S1', pseudonym: 'EXP-ZHANGSAN', method: 'id-card+face' });
    sessions.recordCheckin({ session: 'S1', pseudonym: 'EXP-LISI', method: 'manual' });
    b = (await eventually(
      () => roomOf(room1.board, 'room-1'),
      (r) => r?.checkin.done === 2,
    ))!;
    expect(b).toMatchObject({ state: 'preparing', checkin: { done: 2, expected: 3 } });

    const before = Date.now();
    sessions.transition('S1', 'in-progress', { by: 'WIT-ZHAO' });
    b = await expectState('evaluating', '评标中');
    expect(b.startedAt).toBeGreaterThanOrEqual(before);
    expect(b.remainingS).toBeGreaterThan(3 * 3600 - 60);
    expect(b.remainingS).toBeLessThanOrEqual(4 * 3600);

    sessions.transition('S1', 'suspended', { by: 'WIT-ZHAO', reason: '午餐' });
    await expectState('paused', '暂停');

    // A display that reboots gets the retained board straight from the broker.
    room1.crash();
    const rebooted = display(edge, 'board-room-1');
    await rebooted.connect();
    const afterReboot = await eventually(
      () => roomOf(rebooted.board, 'room-1'),
      (r) => r?.state === 'paused',
    );
    expect(afterReboot?.stateLabel).toBe('暂停');

    sessions.transition('S1', 'in-progress', { by: 'WIT-ZHAO' });
    await eventually(
      () => roomOf(rebooted.board, 'room-1'),
      (r) => r?.state === 'evaluating',
    );
    sessions.transition('S1', 'completed', { by: 'WIT-ZHAO' });
    const ended = await eventually(
      () => roomOf(rebooted.board, 'room-1'),
      (r) => r?.state === 'ended',
    );
    expect(ended).toMatchObject({ stateLabel: '结束', remainingS: 0 });

    // What went to the displays: content on the wire and to the web pages; none of it names anyone.
    expect(wire.filter((p) => p.includes('"board"')).length).toBeGreaterThanOrEqual(12);
    for (const payload of [...wire, ...pages]) for (const secret of SECRETS) expect(payload).not.toContain(secret);
    const { body } = await api(edge, '/api/displays');
    expect(body.find((d: { id: string }) => d.id === 'board-room-1').board.rooms[0].state).toBe('ended');
    for (const secret of SECRETS) expect(JSON.stringify(body)).not.toContain(secret);
  });

  it('builds a board from an allow-list: fields added to a session never pass through', () => {
    const session = {
      id: 'S9',
      transactionCode: 'T-9',
      project: { code: 'P-9', name: '保密项目名称', leader: '张三' },
      room: 'room-1',
      start: 1_000_000,
      end: 9_000_000,
      state: 'in-progress',
      remote: null,
      experts: [{ pseudonym: 'EXP-ZHANGSAN', seat: 's1', name: '张三' }],
      staff: [{ id: 'WIT-ZHAO', role: 'witness' }],
      checkins: [{ pseudonym: 'EXP-ZHANGSAN', seat: 's1', badge: 'b1', locker: null, method: 'manual', at: 1, seq: 1 }],
      expertNames: ['张三', '李四'],
      source: 'platform',
      updatedAt: 0,
      updatedBy: '李四',
    } as unknown as EvaluationSession;
    const b = roomBoard(
      { id: 'room-1', name: '1号评标室' },
      { session, startedAt: 2_000_000, endedAt: null },
      5_000_000,
    );
    expect(Object.keys(b).sort()).toEqual(
      [
        'checkin',
        'elapsedS',
        'projectCode',
        'remainingS',
        'room',
        'roomName',
        'scheduledEnd',
        'scheduledStart',
        'startedAt',
        'state',
        'stateLabel',
      ].sort(),
    );
    expect(b).toMatchObject({ elapsedS: 3000, remainingS: 4000, checkin: { done: 1, expected: 1 } });
    for (const secret of SECRETS) expect(JSON.stringify(b)).not.toContain(secret);
  });

  it('counts 已用时间 from the actual start, to now while running, to the end once ended, none before', () => {
    const started = 1_000_000;
    const ended = started + 5_400_000;
    const now = started + 7_200_000;
    const cases: [Parameters<typeof elapsedSeconds>[0], number | null, number | null, number][] = [
      ['idle', null, null, 0],
      // Still in check-in after its scheduled start: the evaluation has not started.
      ['preparing', null, null, 0],
      ['evaluating', started, null, 7200],
      // A pause does not stop the clock of the day.
      ['paused', started, null, 7200],
      // Ended: the time it ran (was 0:00:00 on the boards).
      ['ended', started, ended, 5400],
      // Cancelled before it started: nothing ran.
      ['ended', null, ended, 0],
    ];
    for (const [state, startedAt, endedAt, expected] of cases)
      expect([state, startedAt, elapsedSeconds(state, startedAt, endedAt, now)]).toEqual([state, startedAt, expected]);
  });

  it('pushes a witness notice to one room or all and records which displays acknowledged it', async () => {
    edge = await startTestVenue({ venue: testVenue('jincheng') });
    const room1 = display(edge, 'board-room-1');
    const room2 = display(edge, 'board-room-2');
    const hall = display(edge, 'board-hall');
    await Promise.all([room1.connect(), room2.connect(), hall.connect()]);
    const online = () => ['board-room-1', 'board-room-2', 'board-hall'].every((id) => edge!.registry.get(id)?.online);
    await eventually(online, Boolean);

    const one = await api(edge, '/api/displays/notices', {
      body: { target: 'room-1', text: '午餐已送达', by: 'WIT-ZHAO' },
      role: 'witness',
    });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ delivered: ['board-room-1'], undelivered: [] });
    expect(room1.notices.map((n) => n.text)).toEqual(['午餐已送达']);
    expect(room2.notices).toEqual([]);

    const all = await api(edge, '/api/displays/notices', {
      body: { target: 'all', text: '距评标结束还有30分钟', level: 'reminder', by: 'WIT-ZHAO' },
    });
    // Three displays answer; the other four room boards of the venue are not connected and are reported as such.
    expect(all.body.delivered.sort()).toEqual(['board-hall', 'board-room-1', 'board-room-2']);
    expect(all.body.undelivered).toHaveLength(4);
    expect(hall.notices[0]).toMatchObject({ text: '距评标结束还有30分钟', level: 'reminder' });

    const logged = edge.log.query({ type: 'display.notice-delivered' });
    expect(logged.map((e) => (e.data as { delivered: string[] }).delivered.length)).toEqual([1, 3]);

    const bad = await api(edge, '/api/displays/notices', { body: { target: 'room-9', text: 'x', by: 'WIT-ZHAO' } });
    expect(bad.status).toBe(404);
    expect(bad.body.error).toContain('target');
  }, 20_000);
});
