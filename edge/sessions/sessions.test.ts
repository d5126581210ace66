import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { api, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';
import { venueDay } from './model.ts';
import { parseCsv } from './schedule-files.ts';

let edge: VenueRuntime | undefined;
afterEach(async () => {
  await edge?.stop();
  edge = undefined;
});

const HOUR = 3600_000;
/** A schedule around now, so "today" holds whatever hour the test runs at. */
function schedule(now = Date.now()) {
  return {
    sessions: [
      {
        transactionCode: 'JC-2024-0001',
        project: { code: 'P-0001', name: '晋城市某道路改造工程施工' },
        room: 'room-1',
        start: now - HOUR / 2,
        end: now + 3 * HOUR,
        experts: [
          { pseudonym: 'EXP-A1', seat: 's1' },
          { pseudonym: 'EXP-A2', seat: 's2' },
        ],
        staff: [{ id: 'WIT-1', role: 'witness' }],
      },
      {
        id: 'JC-2024-0002-r',
        transactionCode: 'JC-2024-0002',
        project: { code: 'P-0002', name: '远程异地评标项目' },
        room: 'room-2',
        start: now - HOUR / 4,
        end: now + 2 * HOUR,
        experts: [{ pseudonym: 'EXP-B1', seat: 's3' }],
        remote: { hostVenue: 'taiyuan', hostRoom: '3' },
      },
    ],
  };
}

describe('evaluation sessions', () => {
  it('imports the platform push, answers the queries others use, and records every change in order', async () => {
    edge = await startTestVenue({ venue: testVenue('jincheng') });
    const { sessions } = edge.services;
    const now = Date.now();
    const report = sessions.importSchedule(schedule(now), { source: 'platform', method: 'platform-signature' });
    expect(report).toMatchObject({ created: ['JC-2024-0001', 'JC-2024-0002-r'], updated: [], rejected: [] });

    const first = sessions.get('JC-2024-0001')!;
    expect(first).toMatchObject({
      state: 'checkin-open', // it started already: check-in opens at import, not at the next sweep
      room: 'room-1',
      project: { code: 'P-0001' },
      experts: [
        { pseudonym: 'EXP-A1', seat: 's1' },
        { pseudonym: 'EXP-A2', seat: 's2' },
      ],
      staff: [{ id: 'WIT-1', role: 'witness' }],
      remote: null,
      source: 'platform',
    });
    expect(sessions.get('JC-2024-0002-r')!.remote).toEqual({ hostVenue: 'taiyuan', hostRoom: '3' });
    expect(sessions.list({ day: venueDay(now) }).map((s) => s.id)).toEqual(['JC-2024-0001', 'JC-2024-0002-r']);
    expect(sessions.list({ day: venueDay(now + 2 * 86_400_000) })).toEqual([]);
    expect(sessions.today(now)).toHaveLength(2);
    expect(sessions.sessionForRoom('room-2', now)?.id).toBe('JC-2024-0002-r');
    expect(sessions.sessionForRoom('room-3', now)).toBeNull();
    expect(sessions.findExpertToday('EXP-B1', now)).toMatchObject({ session: { id: 'JC-2024-0002-r' }, seat: 's3' });
    expect(sessions.findExpertToday('EXP-NOBODY', now)).toBeNull();
    expect(sessions.findStaffToday('WIT-1', now).map((x) => [x.session.id, x.role])).toEqual([
      ['JC-2024-0001', 'witness'],
    ]);

    const types = sessions.history('JC-2024-0001').map((e) => [e.type, e.actor, e.method]);
    expect(types).toEqual([
      ['session.scheduled', 'platform', 'platform-signature'],
      ['session.experts-authorised', 'platform', 'platform-signature'],
      ['session.staff-assigned', 'platform', 'platform-signature'],
      ['session.state-changed', 'system', null],
    ]);
    expect(edge.log.query({ type: 'sessions.imported' })[0]!.data).toMatchObject({ source: 'platform' });

    // The same push again changes nothing; a changed push records exactly what changed.
    expect(sessions.importSchedule(schedule(now), { source: 'platform' }).unchanged).toHaveLength(2);
    const changed = schedule(now);
    changed.sessions[0]!.end = now + 4 * HOUR;
    changed.sessions[0]!.experts = [
      { pseudonym: 'EXP-A1', seat: 's4' },
      { pseudonym: 'EXP-A3', seat: 's5' },
    ];
    expect(sessions.importSchedule(changed, { source: 'platform' }).updated).toEqual(['JC-2024-0001']);
    const after = sessions.history('JC-2024-0001').slice(4);
    expect(after.map((e) => e.type)).toEqual([
      'session.updated',
      'session.experts-authorised',
      'session.experts-revoked',
    ]);
    expect(after[0]!.data).toMatchObject({ changes: { end: { from: now + 3 * HOUR, to: now + 4 * HOUR } } });
    expect(after[1]!.data).toEqual({
      experts: [
        { pseudonym: 'EXP-A1', seat: 's4' },
        { pseudonym: 'EXP-A3', seat: 's5' },
      ],
    });
    expect(after[2]!.data).toEqual({ pseudonyms: ['EXP-A2'] });
    expect(sessions.get('JC-2024-0001')).toMatchObject({
      end: now + 4 * HOUR,
      experts: [
        { pseudonym: 'EXP-A1', seat: 's4' },
        { pseudonym: 'EXP-A3', seat: 's5' },
      ],
    });
  });

  it('rejects bad inputs naming the field and imports the good ones', async () => {
    edge = await startTestVenue({ venue: testVenue('jincheng') });
    const good = schedule().sessions[0]!;
    const report = edge.services.sessions.importSchedule(
      [
        good,
        { ...good, id: 'x1', room: 'public-hall' },
        { ...good, id: 'x2', start: '2024-02-30 09:00' },
        { ...good, id: 'x3', experts: [{ pseudonym: 'E1', seat: 's99' }] },
        { ...good, id: 'x4', project: { code: 'P' } },
        { ...good, id: 'x5', end: good.start },
        { ...good, id: 'x6', experts: [{ pseudonym: 'E1' }, { pseudonym: 'E1' }] },
        good,
      ],
      { source: 'file:test.json' },
    );
    expect(report.created).toEqual(['JC-2024-0001']);
    expect(report.rejected.map((r) => [r.index, r.id, r.error])).toEqual([
      [1, 'x1', 'sessions[1]/room: "public-hall" is not an evaluation room of this venue'],
      [2, 'x2', 'sessions[2]/start: not a time: "2024-02-30 09:00"'],
      [3, 'x3', 'sessions[3]/experts/0/seat: "s99" is not a seat of room-1'],
      [4, 'x4', "sessions[4]/project: must have required property 'name'"],
      [5, 'x5', 'sessions[5]/end: must be after start'],
      [6, 'x6', 'sessions[6]/experts/1/pseudonym: "E1" listed twice'],
      [7, 'JC-2024-0001', 'sessions[7]: duplicate id "JC-2024-0001"'],
    ]);
    expect(edge.services.sessions.list()).toHaveLength(1);
    // The rejections are part of the record too.
    expect(edge.log.query({ type: 'sessions.imported' })[0]!.data.rejected).toHaveLength(7);
  });

  it('moves through its states with who and why, refuses impossible moves, and projects check-ins', async () => {
    edge = await startTestVenue({ venue: testVenue('jincheng') });
    const { sessions } = edge.services;
    const later = { ...schedule().sessions[0]!, id: 'LATER', start: Date.now() + 5 * HOUR, end: Date.now() + 6 * HOUR };
    sessions.importSchedule([...schedule().sessions, later], { source: 'platform' });
    const id = 'JC-2024-0001';
    expect(() => sessions.recordCheckin({ session: 'LATER', pseudonym: 'EXP-A1', method: 'id-card+face' })).toThrow(
      /check-in is not open/,
    );
    const bad = await api(edge, '/api/sessions/LATER/state', { body: { to: 'in-progress', by: 'op-1' } });
    expect(bad.status).toBe(409);
    expect(bad.body.error).toMatch(/scheduled; it can go to checkin-open, cancelled, not in-progress/);
    if (sessions.get(id)!.state === 'scheduled') sessions.transition(id, 'checkin-open', { by: 'op-1' });

    const { checkin } = sessions.recordCheckin({
      session: id,
      pseudonym: 'EXP-A1',
      method: 'id-card+face',
      verifiedBy: 'ft-entrance',
      badge: 'badge-07',
      locker: { bank: 'locker-bank-1', compartment: 12 },
    });
    expect(checkin).toMatchObject({ pseudonym: 'EXP-A1', seat: 's1', badge: 'badge-07', method: 'id-card+face' });
    expect(sessions.findByBadge('badge-07')).toMatchObject({ pseudonym: 'EXP-A1', session: { id } });
    expect(() => sessions.recordCheckin({ session: id, pseudonym: 'EXP-A1', method: 'manual' })).toThrow(/already/);
    expect(() => sessions.recordCheckin({ session: id, pseudonym: 'EXP-B1', method: 'manual' })).toThrow(
      /not authorised/,
    );
    expect(() =>
      sessions.recordCheckin({ session: id, pseudonym: 'EXP-A2', method: 'manual', badge: 'badge-07' }),
    ).toThrow(/badge badge-07 is already held/);

    for (const to of ['in-progress', 'suspended', 'in-progress', 'completed', 'archived'] as const) {
      const r = await api(edge, `/api/sessions/${id}/state`, { body: { to, by: 'op-2', reason: `go ${to}` } });
      expect(r.status).toBe(200);
      expect(r.body.state).toBe(to);
    }
    const history = (await api(edge, `/api/sessions/${id}/history`)).body as {
      type: string;
      actor: string;
      data: any;
    }[];
    const moves = history.filter((e) => e.type === 'session.state-changed').map((e) => `${e.data.from}>${e.data.to}`);
    expect(moves).toEqual([
      'scheduled>checkin-open',
      'checkin-open>in-progress',
      'in-progress>suspended',
      'suspended>in-progress',
      'in-progress>completed',
      'completed>archived',
    ]);
    expect(history.find((e) => e.type === 'checkin.accepted')).toMatchObject({ actor: 'EXP-A1' });
    // The whole record for replay, streamed as NDJSON: the same events, field for field, as the log holds.
    const record = await api<string>(edge, `/api/sessions/${id}/record`, { role: 'auditor' });
    expect(record.status).toBe(200);
    const streamed = record.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(streamed).toEqual(edge.log.query({ session: id, limit: 100_000 }));
    expect(streamed.length).toBeGreaterThanOrEqual(history.length);
    expect((await api(edge, `/api/sessions/${id}/record`, { role: 'operator' })).status).toBe(403);
    expect((await api(edge, '/api/sessions/NO-SUCH/record', { role: 'auditor' })).status).toBe(404);
    // An archived session no longer takes changes from a push.
    const late = sessions.importSchedule(schedule(), { source: 'platform' });
    expect(late.rejected[0]!.error).toBe('session JC-2024-0001 is archived; it can no longer be changed');
    expect(sessions.findByBadge('badge-07')).toBeNull();
  });

  it('imports CSV and single sessions over REST, and keeps them across a restart', async () => {
    const dataDir = tempDir();
    edge = await startTestVenue({ venue: testVenue('jincheng'), dataDir });
    const day = venueDay(Date.now());
    const csv = [
      'transactionCode,projectCode,projectName,room,start,end,experts,staff,remoteHost',
      `JC-9,P-9,"某项目, 二标段",room-3,${day} 08:00,${day} 23:59,EXP-C1:s1;EXP-C2,WIT-9:witness,`,
      `JC-10,P-10,远程项目,room-4,${day} 08:00,${day} 12:00,EXP-D1:s2,,changzhi`,
      'JC-11,P-11,坏行,room-5,tomorrow,later,,,',
    ].join('\n');
    const r = await api(edge, '/api/sessions/import', { body: { by: 'admin-1', csv } });
    expect(r.status).toBe(200);
    expect(r.body.created).toEqual(['JC-9', 'JC-10']);
    expect(r.body.rejected).toEqual([{ index: 2, id: 'JC-11', error: 'sessions[2]/start: not a time: "tomorrow"' }]);
    const jc9 = (await api(edge, '/api/sessions/JC-9')).body;
    expect(jc9).toMatchObject({
      project: { name: '某项目, 二标段' },
      experts: [
        { pseudonym: 'EXP-C1', seat: 's1' },
        { pseudonym: 'EXP-C2', seat: null },
      ],
      start: Date.parse(`${day}T08:00:00+08:00`),
    });
    expect((await api(edge, '/api/sessions/JC-10')).body.remote).toEqual({ hostVenue: 'changzhi', hostRoom: null });

    const one = await api(edge, '/api/sessions', {
      body: {
        by: 'admin-1',
        session: {
          transactionCode: 'JC-12',
          project: { code: 'P-12', name: '手工录入' },
          room: 'room-6',
          start: `${day}T13:00:00+08:00`,
          end: `${day}T17:00:00+08:00`,
          experts: [],
        },
      },
    });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: 'JC-12', updatedBy: 'admin-1', source: 'console' });
    const invalid = await api(edge, '/api/sessions', { body: { by: 'admin-1', session: { transactionCode: 'x' } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatch(/^sessions\[0\]\/?: must have required property/);
    const add = await api(edge, '/api/sessions/JC-12/experts', {
      body: { by: 'admin-1', experts: [{ pseudonym: 'EXP-E1', seat: 's3' }] },
    });
    expect(add.body.experts).toEqual([{ pseudonym: 'EXP-E1', seat: 's3' }]);
    const revoke = await api(edge, '/api/sessions/JC-12/experts/EXP-E1/revoke', { body: { by: 'admin-2' } });
    expect(revoke.body).toMatchObject({ experts: [], updatedBy: 'admin-2' });
    expect((await api(edge, `/api/sessions?day=${day}`)).body.map((s: { id: string }) => s.id)).toEqual([
      'JC-10',
      'JC-9',
      'JC-12',
    ]);
    expect((await api(edge, '/api/sessions?day=20240520')).status).toBe(400);

    await edge.stop();
    edge = await startTestVenue({ venue: testVenue('jincheng'), dataDir });
    expect(edge.services.sessions.get('JC-9')?.experts).toHaveLength(2);
    expect((await api(edge, '/api/sessions/today')).body).toHaveLength(3);
  });

  it('parses quoted CSV fields with commas, quotes and newlines', () => {
    expect(parseCsv('a,b\n"x, ""y""","line1\nline2"\r\n')).toEqual([
      ['a', 'b'],
      ['x, "y"', 'line1\nline2'],
    ]);
  });
});
