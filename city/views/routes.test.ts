// The city API on a real hub (on SQLite and on PostgreSQL, fastify, WebSocket): sign-in and roles, the privacy wall over HTTP with
// a venue that uploads what it must not, and the views rebuilt when the hub restarts.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GENESIS_HASH } from '../../edge/store/event-log.ts';
import { loadOrCreateVenueKey } from '../../edge/sync/keys.ts';
import { batchManifest, PROTOCOL, type SignedBatch, signBytes, venueRequestHeaders } from '../../edge/sync/wire.ts';
import { pageAndScript } from '../../test/built-pages.ts';
import { freshStores, STORE_KINDS } from '../../test/hub-stores.ts';
import { outboxOver } from '../../test/sync-fixture.ts';
import { eventually, tempDir } from '../../test/venue-harness.ts';
import { scanForbidden } from '../forbidden-scan.ts';
import { CityHub, type StoreConfig } from '../hub.ts';
import { type RunningHub, startHub } from '../hub-app.ts';
import { CityUsers, ensureCityAdmin } from './city-users.ts';
import { CITY_SESSION_COOKIE } from './routes.ts';
import type { AlarmFeedMessage, CityAlarm, VenueSummary } from './types.ts';
import { COUNTED_ONLY, hostileUploads, SECRETS } from './upload-fixture.ts';

describe.each(STORE_KINDS)('the city API over %s', (kind) => {
  const nextStore = freshStores(kind);
  let store: StoreConfig;
  let running: RunningHub;
  const PASSWORD = 'city-test-password';

  async function start() {
    // A hub that keeps forbidden uploads (counted, not refused): the views must still hand out none of it.
    running = await startHub({ store, rejectForbidden: false });
  }

  beforeAll(async () => {
    store = (await nextStore()) ?? { sqlite: join(tempDir('halledge-city-views-'), 'hub.db') };
    await start();
    const users = await CityUsers.open(running.hub.store.db);
    await users.create({ username: 'chief', password: PASSWORD, role: 'city-admin' });
    await users.create({ username: 'watcher', password: PASSWORD, role: 'city-supervisor' });
  });
  afterAll(async () => {
    await running?.stop();
  });

  async function call(path: string, init: { cookie?: string; body?: unknown } = {}) {
    const res = await fetch(`${running.url}${path}`, {
      method: init.body === undefined ? 'GET' : 'POST',
      headers: {
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: res.status, body: (await res.json()) as any, setCookie: res.headers.get('set-cookie') };
  }

  async function signIn(username: string): Promise<string> {
    const { status, setCookie } = await call('/api/city/auth/login', { body: { username, password: PASSWORD } });
    expect(status).toBe(200);
    const token = new RegExp(`${CITY_SESSION_COOKIE}=([^;]+)`).exec(setCookie ?? '')?.[1];
    if (!token) throw new Error('login: no session cookie');
    return `${CITY_SESSION_COOKIE}=${token}`;
  }

  /** Posts the hostile uploads as a registered venue would: signed with its key, chained from genesis. */
  async function uploadHostile(venue: string) {
    const key = loadOrCreateVenueKey(tempDir('halledge-hostile-venue-'));
    await running.hub.registerVenue(venue, key.publicKeyPem);
    // Around now: the hostile session is one of today's, so that answer is checked too.
    const events = hostileUploads(Date.now()).map((e, i, all) => ({
      ...e,
      prevHash: i ? all[i - 1]!.hash : GENESIS_HASH,
    }));
    const unsigned: Omit<SignedBatch, 'signature'> = {
      protocol: PROTOCOL,
      venue,
      keyId: key.keyId,
      firstSeq: 1,
      lastSeq: events.length,
      prevHash: GENESIS_HASH,
      lastHash: events[events.length - 1]!.hash,
      events,
    };
    const batch: SignedBatch = { ...unsigned, signature: signBytes(key.privateKey, batchManifest(unsigned)) };
    const res = await fetch(`${running.url}/v1/venues/${venue}/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(await res.json()).toMatchObject({ status: 'ack', ackedSeq: events.length });
  }

  /** The first message of the live alarm feed (the latest changes), as a signed-in page receives it. */
  function firstFeedMessage(cookie: string): Promise<AlarmFeedMessage> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${running.url.replace('http', 'ws')}/api/city/alarms/live`, {
        headers: { cookie },
      });
      socket.once('message', (data) => {
        resolve(JSON.parse(String(data)) as AlarmFeedMessage);
        socket.close();
      });
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`feed: HTTP ${res.statusCode}`)));
    });
  }

  describe('city users', () => {
    it.each([
      '/api/city/auth/me',
      '/api/city/venues',
      '/api/city/venues/jincheng',
      '/api/city/venue-names',
      '/api/city/sessions/today',
      '/api/city/alarms/open',
    ])('%s answers only a signed-in city user', async (path) => {
      expect((await call(path)).status).toBe(401);
      expect((await call(path, { cookie: `${CITY_SESSION_COOKIE}=forged` })).status).toBe(401);
    });

    it('opens the live alarm feed only to a signed-in city user', async () => {
      await expect(firstFeedMessage(`${CITY_SESSION_COOKIE}=forged`)).rejects.toThrow('feed: HTTP 401');
      expect(await firstFeedMessage(await signIn('watcher'))).toMatchObject({ type: 'recent' });
    });

    it('signs in with the right password only, and out again', async () => {
      expect(
        (await call('/api/city/auth/login', { body: { username: 'watcher', password: 'wrong-password' } })).status,
      ).toBe(401);
      expect((await call('/api/city/auth/login', { body: { username: 'nobody', password: PASSWORD } })).status).toBe(
        401,
      );
      const cookie = await signIn('watcher');
      expect((await call('/api/city/auth/me', { cookie })).body).toEqual({
        username: 'watcher',
        displayName: 'watcher',
        role: 'city-supervisor',
      });
      await call('/api/city/auth/logout', { cookie, body: {} });
      expect((await call('/api/city/auth/me', { cookie })).status).toBe(401);
    });

    it('lets only a city administrator add users, with clear errors', async () => {
      const user = { username: 'deputy', password: PASSWORD, role: 'city-supervisor' };
      expect((await call('/api/city/users', { cookie: await signIn('watcher'), body: user })).status).toBe(403);
      const admin = await signIn('chief');
      expect(await call('/api/city/users', { cookie: admin, body: { ...user, role: 'mayor' } })).toMatchObject({
        status: 400,
        body: { error: 'role: "mayor" is not one of city-admin, city-supervisor' },
      });
      expect((await call('/api/city/users', { cookie: admin, body: user })).status).toBe(201);
      expect((await call('/api/city/users', { cookie: admin, body: user })).body.error).toMatch(/^username: /);
    });
  });

  describe('the first city administrator', () => {
    it('is created once, with a random password in an owner-only file', async () => {
      const hub = await CityHub.open({ store: (await nextStore()) ?? { sqlite: ':memory:' } });
      const fresh = await CityHub.open({ store: (await nextStore()) ?? { sqlite: ':memory:' } });
      try {
        const users = await CityUsers.open(hub.store.db);
        const passwordFile = join(tempDir('halledge-city-admin-'), 'city', 'admin.password');
        expect(await ensureCityAdmin(users, { passwordFile })).toContain(passwordFile);
        expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
        const password = readFileSync(passwordFile, 'utf8').trim();
        expect(await users.authenticate('admin', password)).toMatchObject({ username: 'admin', role: 'city-admin' });
        expect(await ensureCityAdmin(users, { passwordFile, password: 'another-password' })).toBeNull();
        // Two hub processes starting together: the one that did not make the administrator carries on.
        const [first, second] = await Promise.all(
          [1, 2].map(async () =>
            ensureCityAdmin(await CityUsers.open(fresh.store.db), { passwordFile: `${passwordFile}-2` }),
          ),
        );
        expect([first, second].filter((made) => made !== null)).toHaveLength(1);
        expect(await users.authenticate('admin', 'another-password')).toBeNull();
      } finally {
        await hub.close();
        await fresh.close();
      }
    });
  });

  describe('what the API hands out', () => {
    it('is never outside the allow-list, whatever a venue uploads', async () => {
      await uploadHostile('hostile');
      const cookie = await signIn('watcher');
      await eventually(
        async () => (await call('/api/city/venues', { cookie })).body.venues as VenueSummary[],
        (venues) => venues.some((v) => v.venue === 'hostile' && v.heldSeq === hostileUploads().length),
        10_000,
        'the hostile uploads in the views',
      );
      const answers = [
        (await call('/api/city/venues', { cookie })).body,
        (await call('/api/city/venues/hostile', { cookie })).body,
        (await call('/api/city/sessions/today', { cookie })).body,
        (await call('/api/city/alarms/open', { cookie })).body,
        await firstFeedMessage(cookie),
      ];
      const text = JSON.stringify(answers);
      for (const secret of [...SECRETS, ...COUNTED_ONLY]) expect(text).not.toContain(secret);
      expect(scanForbidden(answers)).toEqual([]);
      // The hub holds the upload (it was told to keep forbidden content); only the views leave it out.
      expect(running.hub.violations.length).toBeGreaterThan(0);
      expect((await call('/api/city/alarms/open', { cookie })).body.alarms).toEqual([
        expect.objectContaining({ venue: 'hostile', alarmId: 'A1', level: 3, place: null }),
      ]);
      expect((await call('/api/city/sessions/today', { cookie })).body.sessions).toEqual([
        expect.objectContaining({ venue: 'hostile', id: 'S1', experts: 2, checkedIn: 1 }),
      ]);
    });
  });

  describe("a venue's link", () => {
    it('is kept by its signed downlink pulls, not by requests in its name', async () => {
      const key = loadOrCreateVenueKey(tempDir('halledge-quiet-venue-'));
      await running.hub.registerVenue('quiet', key.publicKeyPem);
      const cookie = await signIn('watcher');
      const link = async () =>
        ((await call('/api/city/venues', { cookie })).body.venues as VenueSummary[]).find((v) => v.venue === 'quiet')
          ?.link;
      const pull = (privateKey = key.privateKey) => {
        const path = '/v1/venues/quiet/downlink?after=0';
        return fetch(`${running.url}${path}`, { headers: venueRequestHeaders(privateKey, 'quiet', 'GET', path) });
      };
      await eventually(link, (l) => l === 'never', 10_000, 'the registered venue, silent');
      const stranger = generateKeyPairSync('ed25519').privateKey;
      expect((await pull(stranger)).status).toBe(401);
      expect(await link()).toBe('never');
      expect((await pull()).status).toBe(200);
      // Noted once the answer has gone out (onResponse): the next read may come first.
      await eventually(link, (l) => l === 'online', 10_000, 'the venue online after its pull');
    });
  });

  describe('several hub processes over one store', () => {
    it("shows batches another process took, and that venue's alarms", async () => {
      const other = await startHub({ store });
      const venue = await outboxOver('gaoping', other.url, { hub: other.hub });
      try {
        venue.log.append({ type: 'edge.started', actor: 'system', data: { bus: 'mqtt://b', http: 'http://b' } });
        const { alarm } = venue.alarms.raise({
          kind: 'held-open',
          level: 2,
          subject: 'door-1',
          details: { door: 'door-1' },
        });
        venue.outbox.start();
        const cookie = await signIn('watcher');
        const seen = await eventually(
          async () => (await call('/api/city/alarms/open', { cookie })).body.alarms as CityAlarm[],
          (alarms) => alarms.some((a) => a.venue === 'gaoping'),
          15_000,
          "the other process's batch in this one's views",
        );
        expect(seen.find((a) => a.venue === 'gaoping')).toMatchObject({
          alarmId: alarm.id,
          kind: 'held-open',
          place: 'door-1',
        });
        expect((await call('/api/city/venues/gaoping', { cookie })).body.heldSeq).toBe(venue.log.head.seq);
      } finally {
        await venue.close();
        await other.stop();
      }
    });
  });

  describe('the hub restarting', () => {
    it('rebuilds the views from what it stored', async () => {
      const cookie = await signIn('watcher');
      const before = (await call('/api/city/venues/hostile', { cookie })).body;
      await running.stop();
      await start();
      const after = (await call('/api/city/venues/hostile', { cookie: await signIn('watcher') })).body;
      expect(after).toMatchObject({
        heldSeq: before.heldSeq,
        lastContact: before.lastContact,
        openAlarms: before.openAlarms,
        devices: before.devices,
        alarms: before.alarms,
      });
    });
  });

  describe('the city console page', () => {
    it('is served at / with its script', async () => {
      const { page, html, script } = await pageAndScript(running.url, '/');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(html).toContain('市级评标监管平台');
      expect(script.status).toBe(200);
    });
  });
});
