import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { api, ensureUser, startTestVenue, tempDir } from '../../test/venue-harness.ts';
import { LOGIN_LIMITS } from './login-limits.ts';
import { UserStore } from './user-store.ts';

let edge: VenueRuntime;
afterEach(() => edge?.stop());

const login = (username: string, password: string) =>
  fetch(`${edge.httpUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

describe('console sign-in and roles', () => {
  it('guards every /api route: 401 without a session, open health/ready/docs and pages', async () => {
    edge = await startTestVenue();
    for (const path of ['/api/devices', '/api/alarms', '/api/events', '/api/venue', '/api/tracking/positions'])
      expect((await api(edge, path, { role: null })).status, path).toBe(401);
    expect((await api(edge, '/api/alarms/x/acknowledge', { role: null, body: { note: 'n' } })).status).toBe(401);
    for (const path of ['/health', '/ready', '/docs/json'])
      expect((await api(edge, path, { role: null })).status).toBe(200);
    const feed = new WebSocket(`${edge.httpUrl.replace('http', 'ws')}/api/feed`);
    const refused = await new Promise<number>((resolve) =>
      feed.on('unexpected-response', (_req, res) => resolve(res.statusCode!)),
    );
    expect(refused).toBe(401);
    // The first start made an administrator (password shown once), stored as an argon2id hash.
    const admin = edge.db.prepare("SELECT role, password_hash FROM auth_users WHERE username = 'admin'").get() as {
      role: string;
      password_hash: string;
    };
    expect(admin.role).toBe('administrator');
    expect(admin.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('gives each role what it may do and records refusals', async () => {
    edge = await startTestVenue();
    const { alarm } = edge.alarms.raise({ kind: 'device-offline', level: 2, subject: 'board-room-1' });
    // Every role reads the floor.
    for (const role of ['administrator', 'witness', 'auditor', 'operator'] as const)
      expect((await api(edge, '/api/devices', { role })).status).toBe(200);
    // The record: not for operators; reading it is an audited view.
    expect((await api(edge, '/api/events', { role: 'operator' })).status).toBe(403);
    expect((await api(edge, '/api/events?type=alarm.', { role: 'auditor' })).status).toBe(200);
    expect(edge.log.query({ type: 'audit.viewed' }).map((e) => [e.actor, e.data.route])).toEqual([
      ['test-auditor', '/api/events'],
    ]);
    // Auditors change nothing; operators handle device alarms; only administrators manage users.
    expect((await api(edge, `/api/alarms/${alarm.id}/acknowledge`, { role: 'auditor', body: {} })).status).toBe(403);
    const ack = await api(edge, `/api/alarms/${alarm.id}/acknowledge`, { role: 'operator', body: { note: '已重启' } });
    expect(ack.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'test-operator', note: '已重启' });
    expect((await api(edge, '/api/auth/users', { role: 'witness' })).status).toBe(403);
    expect((await api(edge, '/api/sessions/x/state', { role: 'operator', body: { to: 'suspended' } })).status).toBe(
      403,
    );
    expect(edge.log.query({ type: 'audit.denied' }).map((e) => [e.actor, e.data.route])).toEqual([
      ['test-operator', '/api/events'],
      ['test-auditor', '/api/alarms/:id/acknowledge'],
      ['test-witness', '/api/auth/users'],
      ['test-operator', '/api/sessions/:id/state'],
    ]);
    expect(edge.log.query({ type: 'audit.action' }).map((e) => [e.actor, e.data.route, e.data.status])).toEqual([
      ['test-operator', '/api/alarms/:id/acknowledge', 200],
    ]);
  });

  it('acts only under the signed-in name: by is filled in, another name is refused', async () => {
    edge = await startTestVenue();
    const { alarm } = edge.alarms.raise({ kind: 'forced-open', level: 3, subject: 'door-room-1' });
    const token = (await (await login('admin', 'x'.repeat(10))).json()) as { error: string };
    expect(token.error).toBe('wrong username or password');
    await ensureUser(edge, 'w1', 'witness');
    const signIn = (await (await login('w1', 'test-password-w1')).json()) as { token: string; seesNames: boolean };
    expect(signIn.seesNames).toBe(true);
    const as = (body: unknown) =>
      fetch(`${edge.httpUrl}/api/alarms/${alarm.id}/acknowledge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${signIn.token}` },
        body: JSON.stringify(body),
      });
    const impostor = await as({ by: 'someone-else', note: 'n' });
    expect(impostor.status).toBe(403);
    expect(((await impostor.json()) as { error: string }).error).toMatch(
      /body\/by: "someone-else" is not the signed-in user "w1"/,
    );
    expect(((await (await as({ note: '已派人' })).json()) as { acknowledgedBy: string }).acknowledgedBy).toBe('w1');
  });

  it(`rate-limits sign-in to ${LOGIN_LIMITS.perAddressAndUser} attempts a minute per address and user`, async () => {
    edge = await startTestVenue();
    await ensureUser(edge, 'op', 'operator');
    const statuses: number[] = [];
    for (let i = 0; i <= LOGIN_LIMITS.perAddressAndUser; i++)
      statuses.push((await login('op', 'wrong-password')).status);
    expect(statuses).toEqual([...Array(LOGIN_LIMITS.perAddressAndUser).fill(401), 429]);
    // Even the right password waits now; another user is not locked out by it.
    expect((await login('op', 'test-password-op')).status).toBe(429);
    await ensureUser(edge, 'op2', 'operator');
    expect((await login('op2', 'test-password-op2')).status).toBe(200);
    expect(edge.log.query({ type: 'audit.sign-in-failed' })).toHaveLength(LOGIN_LIMITS.perAddressAndUser);
  });

  it('ends sessions when they expire, when signed out and when the user is disabled', async () => {
    edge = await startTestVenue();
    const minute = 60_000;
    const users = new UserStore(edge.db, edge.log, { absoluteMs: 30 * minute, idleMs: 10 * minute });
    const user = await users.create({ username: 'aud', password: 'long-enough-pw', role: 'auditor' }, 'test');
    const t0 = Date.now();
    const { token } = users.openSession(user, t0);
    expect(users.sessionUser(token, t0 + 9 * minute)?.username).toBe('aud');
    expect(users.sessionUser(token, t0 + 18 * minute)?.username).toBe('aud'); // the request at 9 min kept it alive
    expect(users.sessionUser(token, t0 + 29 * minute)).toBeNull(); // idle 11 min: gone for good
    expect(users.sessionUser(token, t0 + 19 * minute)).toBeNull();
    const late = users.openSession(user, t0);
    for (let at = t0; at < t0 + 30 * minute; at += 9 * minute) users.sessionUser(late.token, at);
    expect(users.sessionUser(late.token, t0 + 30 * minute)).toBeNull(); // absolute limit

    const live = (await (await login('aud', 'long-enough-pw')).json()) as { token: string };
    const me = () =>
      fetch(`${edge.httpUrl}/api/auth/me`, { headers: { authorization: `Bearer ${live.token}` } }).then(
        (r) => r.status,
      );
    expect(await me()).toBe(200);
    const second = (await (await login('aud', 'long-enough-pw')).json()) as { token: string };
    const logout = await fetch(`${edge.httpUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${second.token}` },
      body: '{}',
    });
    expect(logout.headers.get('set-cookie')).toMatch(/halledge_session=;/);
    const afterLogout = await fetch(`${edge.httpUrl}/api/auth/me`, {
      headers: { authorization: `Bearer ${second.token}` },
    });
    expect(afterLogout.status).toBe(401);
    expect(await me()).toBe(200); // signing out ends that session only
    users.update('aud', { disabled: true }, 'admin');
    // The venue never loses its last administrator.
    expect(() => users.update('admin', { role: 'witness' }, 'admin')).toThrow(/last active administrator/);
    expect(await me()).toBe(401);
    expect((await login('aud', 'long-enough-pw')).status).toBe(401);
  });

  it('shows expert names only to administrator and witness, and records who saw them', async () => {
    edge = await startTestVenue({ dataDir: tempDir() });
    const start = Date.now();
    await api(edge, '/api/sessions', {
      body: {
        session: {
          id: 'S1',
          transactionCode: 'T1',
          project: { code: 'P1', name: '项目' },
          room: 'room-1',
          start,
          end: start + 3600_000,
          experts: [{ pseudonym: 'E1' }, { pseudonym: 'E2' }],
        },
      },
    });
    expect((await api(edge, '/api/people/E1/name', { method: 'PUT', body: { name: '李四' } })).status).toBe(200);
    expect(
      (await api(edge, '/api/people/E1/name', { method: 'PUT', role: 'witness', body: { name: 'x' } })).status,
    ).toBe(403);
    const names = async (role: 'administrator' | 'witness' | 'auditor' | 'operator') =>
      (await api(edge, '/api/console/sessions', { role })).body[0].experts.map((e: { name: string | null }) => e.name);
    expect(await names('witness')).toEqual(['李四', null]);
    expect(await names('administrator')).toEqual(['李四', null]);
    expect(await names('auditor')).toEqual([null, null]);
    expect(await names('operator')).toEqual([null, null]);
    const viewed = edge.log.query({ type: 'audit.names-viewed' });
    expect(viewed.map((e) => [e.actor, e.session, e.data.pseudonyms])).toEqual([
      ['test-witness', 'S1', ['E1']],
      ['test-administrator', 'S1', ['E1']],
    ]);
    // The name itself is nowhere in the record (which goes upstream).
    expect(JSON.stringify(edge.log.query({ limit: 5000 }))).not.toContain('李四');
  });
});
