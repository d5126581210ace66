import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { truncateLog } from '../../edge/store/tamper-fixture.ts';
import { api, startTestVenue, tempDir } from '../../test/venue-harness.ts';

let edge: VenueRuntime | null = null;
afterEach(async () => {
  await edge?.stop();
  edge = null;
});

describe('record anchors through the edge', () => {
  it('restart on a truncated log: critical alarm, degraded on /health, /ready and /api/record until an administrator acknowledges', async () => {
    const dataDir = tempDir();
    edge = await startTestVenue({ dataDir });
    edge.log.appendMany(Array.from({ length: 30 }, (_, i) => ({ type: 'clock.jumped' as const, data: { byMs: i } })));
    await edge.stop(); // the shutdown checkpoint signs every event, edge.stopped included
    const signedSize = edge.anchor.lastCheckpoint!.size;
    edge = null;

    // An attacker cuts the tail with the triggers dropped.
    truncateLog(dataDir, signedSize - 10);

    edge = await startTestVenue({ dataDir });
    const health = await fetch(`${edge.httpUrl}/health`).then((r) => r.json());
    expect(health).toMatchObject({ status: 'degraded', record: { reason: 'behind', anchor: { size: signedSize } } });
    const ready = await fetch(`${edge.httpUrl}/ready`).then((r) => r.json());
    expect(ready).toMatchObject({ record: 'degraded' });
    const status = await api(edge, '/api/record');
    expect(status.body).toMatchObject({ state: 'degraded', loss: { log: { headSeq: signedSize - 10 } } });
    const alarms = await api(edge, '/api/alarms?state=open&kind=record-behind-checkpoint');
    expect(alarms.body).toEqual([expect.objectContaining({ level: 3, subject: 'record' })]);
    const verify = await api(edge, '/api/events/verify');
    expect(verify.body).toMatchObject({ ok: true, anchors: { ok: false, findings: [{ kind: 'tail-truncated' }] } });

    const body = { reason: '磁盘故障后从备份恢复' };
    const byWitness = await api(edge, '/api/record/acknowledge-loss', { body, role: 'witness' });
    expect(byWitness.status).toBe(403);
    expect(edge.anchor.degraded).toBe(true);
    const byAdmin = await api(edge, '/api/record/acknowledge-loss', { body, role: 'administrator' });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body).toMatchObject({ state: 'ok', loss: null });
    expect(await fetch(`${edge.httpUrl}/health`).then((r) => r.json())).toEqual({ status: 'ok' });
    const [ack] = edge.log.query({ type: 'record.loss-acknowledged' });
    expect(ack).toMatchObject({ actor: 'test-administrator', data: { reason: body.reason, eventsMissing: 10 } });
    expect((await api(edge, '/api/record/acknowledge-loss', { body })).status).toBe(409);
  });
});
