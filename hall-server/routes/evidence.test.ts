import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { verifyEvidence } from '../../edge/evidence/verify-evidence.ts';
import { authHeaders, importRunningSession, startTestVenue } from '../../test/venue-harness.ts';
import type { Role } from '../auth/roles.ts';

let edge: VenueRuntime;
beforeAll(async () => {
  edge = await startTestVenue();
  await importRunningSession(edge, {
    id: 'S-EV',
    transactionCode: 'JY-EV',
    project: { code: 'P-EV', name: '证据导出' },
    experts: [{ pseudonym: 'EXP-1' }, { pseudonym: 'EXP-2' }],
  });
}, 30_000);
afterAll(async () => {
  await edge?.stop();
});

const exportAs = async (role: Role, session = 'S-EV') =>
  fetch(`${edge.httpUrl}/api/sessions/${session}/evidence`, { method: 'POST', headers: await authHeaders(edge, role) });

describe('POST /api/sessions/:id/evidence', () => {
  it('gives an auditor a package that verifies, every event proven against a checkpoint signed for it', async () => {
    const response = await exportAs('auditor');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    const verdict = await verifyEvidence(new Map(Object.entries(files)));
    expect(verdict.findings).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.summary?.events).toBeGreaterThan(0);
    expect(verdict.summary?.anchoredEvents).toBe(verdict.summary?.events);
    const exported = edge.log.query({ type: 'evidence.exported' });
    expect(exported.map((e) => [e.session, e.actor?.startsWith('test-auditor')])).toEqual([['S-EV', true]]);
  });

  it('is refused to a witness and names an unknown session', async () => {
    expect((await exportAs('witness')).status).toBe(403);
    const missing = await exportAs('administrator', 'NOPE');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'session: no session NOPE' });
  });

  it('call recordings: an unknown call is named, an operator is refused', async () => {
    const path = '/api/sessions/S-EV/calls/nope/recording';
    const missing = await fetch(`${edge.httpUrl}${path}`, { headers: await authHeaders(edge, 'auditor') });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'call: no recording of call nope in session S-EV' });
    expect((await fetch(`${edge.httpUrl}${path}`, { headers: await authHeaders(edge, 'operator') })).status).toBe(403);
  });
});
