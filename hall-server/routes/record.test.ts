import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { api, authHeaders, eventually, startTestVenue } from '../../test/venue-harness.ts';

let edge: VenueRuntime;
afterEach(() => edge?.stop());

describe('record and alarm API', () => {
  it('the feed replays what a client missed, then streams live events in order', async () => {
    edge = await startTestVenue();
    const headers = await authHeaders(edge);
    const missed = edge.log.append({ type: 'clock.jumped', data: { byMs: 1 } });
    const ws = new WebSocket(`${edge.httpUrl.replace('http', 'ws')}/api/feed?after=${missed.seq - 1}`, { headers });
    const seqs: number[] = [];
    ws.on('message', (m) => seqs.push(JSON.parse(m.toString()).event.seq));
    await new Promise((r) => ws.once('open', r));
    // The server replays, then subscribes, in one go: once the missed event is here, the feed is live.
    await eventually(
      () => seqs,
      (s) => s.length > 0,
      20_000,
      'the replayed event',
    );
    const live = edge.log.append({ type: 'clock.jumped', data: { byMs: 2 } });
    // A later event on the same socket: once it is here, anything sent before it (a duplicate) is here too.
    const sentinel = edge.log.append({ type: 'clock.jumped', data: { byMs: 3 } });
    await eventually(
      () => seqs,
      (s) => s.includes(sentinel.seq),
      20_000,
      'the live events',
    );
    expect(seqs).toEqual([missed.seq, live.seq, sentinel.seq]);
    ws.close();
  });

  it('the feed gives roles that may not read the record only that an event happened, alarms whole', async () => {
    edge = await startTestVenue();
    const url = `${edge.httpUrl.replace('http', 'ws')}/api/feed`;
    const listen = async (role: 'operator' | 'auditor') => {
      const ws = new WebSocket(url, { headers: await authHeaders(edge, role) });
      const events: Record<string, unknown>[] = [];
      ws.on('message', (m) => events.push(JSON.parse(m.toString()).event));
      await new Promise((r) => ws.once('open', r));
      return { ws, events };
    };
    const operator = await listen('operator');
    const auditor = await listen('auditor');
    const checkin = edge.log.append({
      type: 'checkin.accepted',
      session: 'S1',
      actor: 'E7',
      subject: 'E7',
      data: { pseudonym: 'E7', verifiedBy: 'W1', seat: 's3', badge: null, locker: null },
    });
    edge.alarms.raise({ kind: 'forced-open', level: 3, subject: 'door-room-1', session: 'S1' });
    // What each saw from the check-in on (signing the second user in is recorded too, before it).
    const since = (events: Record<string, unknown>[]) => events.filter((e) => (e.seq as number) >= checkin.seq);
    await eventually(
      () => since(operator.events).length + since(auditor.events).length,
      (n) => n === 4,
    );
    const [opCheckin, opAlarm] = since(operator.events);
    const [audCheckin, audAlarm] = since(auditor.events);
    expect(opCheckin).toEqual({ seq: checkin.seq, venue: checkin.venue, at: checkin.at, type: checkin.type });
    expect(audCheckin).toEqual(checkin);
    for (const alarm of [opAlarm, audAlarm]) {
      expect(alarm).toMatchObject({ type: 'alarm.raised', subject: 'door-room-1', data: { kind: 'forced-open' } });
    }
    operator.ws.close();
    auditor.ws.close();
  });

  it('filters events by type prefix and session, and verifies the chain', async () => {
    edge = await startTestVenue();
    edge.log.appendMany([
      { type: 'clock.jumped', session: 'S1', data: { byMs: 1 } },
      {
        type: 'clock.checked',
        session: 'S2',
        data: { verdict: 'ok', source: 'none', synchronised: true, offsetMs: null },
      },
      { type: 'edge.stopped', session: 'S1' },
    ]);
    const clock = await api(edge, '/api/events?type=clock.');
    expect(clock.body.map((e: { type: string }) => e.type)).toEqual(['clock.jumped', 'clock.checked']);
    const s1 = await api(edge, '/api/events?session=S1');
    expect(s1.body.map((e: { type: string }) => e.type)).toEqual(['clock.jumped', 'edge.stopped']);
    expect((await api(edge, '/api/events/verify')).body).toMatchObject({ ok: true, headSeq: edge.log.head.seq });
  });

  it('an alarm goes raised → acknowledged → resolved with who and why; wrong transitions are refused', async () => {
    edge = await startTestVenue();
    const { alarm } = edge.alarms.raise({ kind: 'forced-open', level: 3, subject: 'door-room-1', session: 'S1' });
    expect(edge.alarms.raise({ kind: 'forced-open', level: 3, subject: 'door-room-1' }).raised).toBe(false);
    const ack = await api(edge, `/api/alarms/${alarm.id}/acknowledge`, {
      body: { by: 'witness-1', note: '已派人查看' },
    });
    expect(ack.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'witness-1', note: '已派人查看' });
    expect((await api(edge, `/api/alarms/${alarm.id}/acknowledge`, { body: { by: 'witness-1' } })).status).toBe(409);
    const resolved = await api(edge, `/api/alarms/${alarm.id}/resolve`, { body: { by: 'admin', note: '门已关闭' } });
    expect(resolved.body).toMatchObject({ state: 'resolved', resolvedBy: 'admin', note: '门已关闭' });
    expect((await api(edge, '/api/alarms/nope/resolve', { body: { by: 'admin' } })).status).toBe(404);
    expect((await api(edge, '/api/alarms?state=open')).body).toEqual([]);
    expect(edge.log.query({ typePrefix: 'alarm.' }).map((e) => [e.type, e.actor])).toEqual([
      ['alarm.raised', 'system'],
      ['alarm.acknowledged', 'witness-1'],
      ['alarm.resolved', 'admin'],
    ]);
  });

  it('answers a bad query with the field and reason', async () => {
    edge = await startTestVenue();
    const bad = await api(edge, '/api/events?limit=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/querystring\/limit must be integer/);
  });
});
