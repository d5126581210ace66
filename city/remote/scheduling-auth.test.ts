// Who may schedule and list remote sessions on a real hub (SQLite file, fastify): the operator's bearer token or a
// city-admin's console session schedules; a city-supervisor's session lists but is refused scheduling (403); no
// credentials get 401. A scheduled session is listed with its window, rooms and each venue's link state.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateVenueKey } from '../../edge/sync/keys.ts';
import { OPERATOR_TOKEN, remoteSessionInput } from '../../test/remote-fixture.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { type RunningHub, startHub } from '../hub-app.ts';
import { CityUsers } from '../views/city-users.ts';
import { CITY_SESSION_COOKIE } from '../views/routes.ts';
import type { RemoteSessionListed } from '../views/types.ts';

const PASSWORD = 'city-test-password';
let running: RunningHub;
const cookies: Record<string, string> = {};

async function signIn(username: string): Promise<string> {
  const res = await fetch(`${running.url}/api/city/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const token = new RegExp(`${CITY_SESSION_COOKIE}=([^;]+)`).exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (res.status !== 200 || !token) throw new Error(`sign-in of ${username}: ${res.status}`);
  return `${CITY_SESSION_COOKIE}=${token}`;
}

beforeAll(async () => {
  running = await startHub({
    store: { sqlite: join(tempDir('halledge-remote-auth-'), 'hub.db') },
    operatorToken: OPERATOR_TOKEN,
  });
  for (const venue of ['jincheng', 'gaoping'])
    await running.hub.registerVenue(venue, loadOrCreateVenueKey(tempDir(`halledge-${venue}-key-`)).publicKeyPem);
  const users = await CityUsers.open(running.hub.store.db);
  await users.create({ username: 'chief', password: PASSWORD, role: 'city-admin' });
  await users.create({ username: 'watcher', password: PASSWORD, role: 'city-supervisor' });
  cookies.admin = await signIn('chief');
  cookies.supervisor = await signIn('watcher');
});
afterAll(async () => {
  await running?.stop();
});

type Caller = 'operator token' | 'admin cookie' | 'supervisor cookie' | 'none' | 'wrong token';
const credentials = (who: Caller): Record<string, string> => {
  if (who === 'operator token') return { authorization: `Bearer ${OPERATOR_TOKEN}` };
  if (who === 'wrong token') return { authorization: 'Bearer not-the-operator-token' };
  if (who === 'admin cookie') return { cookie: cookies.admin! };
  if (who === 'supervisor cookie') return { cookie: cookies.supervisor! };
  return {};
};

async function call(method: 'GET' | 'POST', who: Caller, body?: unknown) {
  const res = await fetch(`${running.url}/v1/remote-sessions`, {
    method,
    headers: { ...credentials(who), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('scheduling remote sessions: who may', () => {
  it.each([
    ['operator token', 200, 'operator token'],
    ['admin cookie', 200, 'city user chief'],
    ['supervisor cookie', 403, null],
    ['wrong token', 401, null],
    ['none', 401, null],
  ] as const)('POST with %s → %d', async (who, status, scheduledBy) => {
    const id = `R-${who.replace(/ /g, '-')}`;
    const answer = await call('POST', who, remoteSessionInput(id));
    expect(answer.status).toBe(status);
    if (scheduledBy) expect(answer.body).toMatchObject({ session: id, scheduledBy });
    else expect(answer.body.error).toBeTruthy();
  });

  it.each([
    ['operator token', 200],
    ['admin cookie', 200],
    ['supervisor cookie', 200],
    ['wrong token', 401],
    ['none', 401],
  ] as const)('GET with %s → %d', async (who, status) => {
    expect((await call('GET', who)).status).toBe(status);
  });

  it('answers the console’s bad input with the field path', async () => {
    const input = remoteSessionInput('R-bad');
    const bad = await call('POST', 'admin cookie', { ...input, guests: [{ ...input.guests[0], room: 'Room 2' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^remote session \/guests\/0\/room: /);
    const unknown = await call('POST', 'admin cookie', {
      ...input,
      guests: [{ ...input.guests[0], venue: 'lingchuan' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/^remote session \/guests\/0\/venue: venue lingchuan is not registered/);
  });

  it('lists what was scheduled, newest first, with its rooms, window and each venue’s link', async () => {
    const { body } = await call('GET', 'supervisor cookie');
    const sessions = body.sessions as RemoteSessionListed[];
    expect(sessions.map((s) => s.id)).toEqual(['R-admin-cookie', 'R-operator-token']);
    const input = remoteSessionInput('R-admin-cookie');
    expect(sessions[0]).toMatchObject({
      transactionCode: input.transactionCode,
      projectCode: input.project.code,
      host: { venue: 'jincheng', room: 'room-1', linked: false },
      guests: [{ venue: 'gaoping', room: 'room-2', linked: false }],
    });
    expect(typeof sessions[0]!.start).toBe('number');
    expect((sessions[0]!.end as number) - (sessions[0]!.start as number)).toBe(3 * 3600_000);
  });
});
