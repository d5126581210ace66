// Done-when for remote sessions (远程异地评标): a hub and two venue edges. The city schedules a session hosted at
// jincheng with a guest room at gaoping; both edges get it over the link; experts check in at both venues; a
// guest-venue alarm reaches the host's console API within 2 s (by the recorded times: the guest event's `at`
// against the host's receipt); the guest room's call shows there too; the hub goes away and comes back — each
// venue works alone meanwhile, the host catches up and shows the gap — then the guest venue alone drops and
// returns; the host holds every uploaded event of the session once; the session's evidence holds both venues'
// parts and verifies.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { loadVenue, venueFile } from '../../config/venue-loader.ts';
import { verifyEvidence } from '../../edge/evidence/verify-evidence.ts';
import type { GuestRoomView } from '../../edge/remote/guest-view.ts';
import { toUpstream, UPLOAD_RULES } from '../../edge/sync/upstream-projection.ts';
import { venueRequestHeaders } from '../../edge/sync/wire.ts';
import type { IntercomStationSimulator } from '../../simulators/intercom/station-simulator.ts';
import { consolePage, launchChromium } from '../../test/chromium.ts';
import { OPERATOR_TOKEN, remoteSessionInput, remoteVenue, scheduleRemote } from '../../test/remote-fixture.ts';
import { startTestHub, type TestHub } from '../../test/sync-fixture.ts';
import { api, authHeaders, eventually, simulatorsOf, tempDir } from '../../test/venue-harness.ts';
import { concernsGuestRoom, roomPlaces } from './guest-room-rule.ts';

const run = promisify(execFile);
const SESSION = 'JC-REMOTE-2026-001';

let city: TestHub | null = null;
const edges: VenueRuntime[] = [];
afterAll(async () => {
  for (const edge of edges) await edge.stop();
  await city?.stop();
});

async function venue(id: 'jincheng' | 'gaoping', hub: TestHub, again?: string): Promise<VenueRuntime> {
  const edge = await remoteVenue(id, hub, again);
  edges.push(edge);
  return edge;
}

const schedule = (body: unknown, token?: string | null) => scheduleRemote(city!.url, body, token);

const guestRoom = async (host: VenueRuntime): Promise<GuestRoomView | undefined> =>
  (await api(host, `/api/remote/sessions/${SESSION}`, { role: 'witness' })).body.guests?.[0];

/** Refused check-in attempts at the guest room: traffic of the session (their face evidence never goes up). */
const refusals = (edge: VenueRuntime, n: number) =>
  edge.log.appendMany(
    Array.from({ length: n }, () => ({
      type: 'checkin.refused' as const,
      session: SESSION,
      actor: 'EX-GP-3',
      data: { reason: 'face-mismatch', outcome: 'refused' as const, verifiedBy: 'face-terminal-1' },
    })),
  );

/** The HTTP status a WebSocket upgrade gets (101 when it opens). */
const upgradeStatus = (url: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });

const checkIn = (edge: VenueRuntime, pseudonym: string) =>
  api(edge, '/api/checkin/manual', { role: 'witness', body: { by: `witness-${edge.venue.id}`, pseudonym } });

describe('a remote session across two venues through the hub', () => {
  it('schedules both, shows the guest room at the host within 2 s, survives a link drop with the gap shown, and exports both venues’ evidence', {
    timeout: 240_000,
  }, async () => {
    city = await startTestHub({ operatorToken: OPERATOR_TOKEN });
    const host = await venue('jincheng', city);
    let guest = await venue('gaoping', city);
    for (const edge of [host, guest])
      await eventually(
        () => edge.services.sync.status().link?.state,
        (s) => s === 'up',
        60_000,
        `${edge.venue.id} link`,
      );

    const input = remoteSessionInput(SESSION);
    // Only the venue itself opens its link: an unsigned upgrade, or one signed by another venue's key, gets 401.
    expect(await upgradeStatus(`${city.url}/v1/venues/gaoping/link?after=0`, {})).toBe(401);
    const path = '/v1/venues/gaoping/link?after=0';
    const asJincheng = venueRequestHeaders(host.services.sync.key.privateKey, 'gaoping', 'GET', path);
    expect(await upgradeStatus(`${city.url}${path}`, asJincheng)).toBe(401);
    expect((await schedule(input, null)).status).toBe(401);
    expect((await schedule(input, 'wrong-token-of-same-len!')).status).toBe(401);
    const bad = await schedule({ ...input, guests: [{ ...input.guests[0], room: 'Room 2' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/\/guests\/0\/room/);
    const scheduled = await schedule(input);
    expect(scheduled.status).toBe(200);
    expect(((await scheduled.json()) as { downlink: { venue: string }[] }).downlink.map((d) => d.venue)).toEqual([
      'jincheng',
      'gaoping',
    ]);

    // Both venues hold the same session, each its own side of it, taken from the link (not the pull).
    for (const edge of [host, guest])
      await eventually(
        () => edge.services.sessions.get(SESSION)?.state,
        (s) => s === 'checkin-open',
        30_000,
        `${edge.venue.id} session`,
      );
    expect(host.services.sessions.get(SESSION)!.remote).toEqual({ guests: [{ venue: 'gaoping', room: 'room-2' }] });
    expect(guest.services.sessions.get(SESSION)!.remote).toEqual({ hostVenue: 'jincheng', hostRoom: 'room-1' });
    expect(guest.services.sessions.get(SESSION)!.experts.map((e) => e.pseudonym)).toEqual([
      'EX-GP-1',
      'EX-GP-2',
      'EX-GP-3',
    ]);
    for (const edge of [host, guest]) {
      const accepted = edge.log.query({ type: 'sync.downlink-accepted' });
      expect(accepted.map((e) => e.data.via)).toEqual(['link']);
    }

    // What the hub knows: both venues linked, the session with its host and guest room, the host following it.
    const hubStatus = async () =>
      (
        await fetch(`${city!.url}/v1/remote-sessions`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })
      ).json();
    const status = await eventually(
      hubStatus,
      (s) => s.relay.follows[0]?.resumed === true,
      30_000,
      'the host following',
    );
    expect(status.links.venues.map((v: { venue: string }) => v.venue).sort()).toEqual(['gaoping', 'jincheng']);
    expect(status.relay.sessions).toEqual([
      {
        id: SESSION,
        host: 'jincheng',
        hostRoom: 'room-1',
        guests: [{ venue: 'gaoping', room: 'room-2' }],
        start: input.start,
        end: input.end,
      },
    ]);
    expect(status.relay.follows).toMatchObject([
      { session: SESSION, venue: 'gaoping', host: 'jincheng', resumed: true },
    ]);

    // Experts check in at both venues; the host's console shows the guest room's check-ins.
    for (const [edge, pseudonym] of [
      [host, 'EX-JC-1'],
      [guest, 'EX-GP-1'],
      [guest, 'EX-GP-2'],
    ] as const)
      expect((await checkIn(edge, pseudonym)).status).toBe(200);
    const withCheckins = await eventually(
      () => guestRoom(host),
      (r) => r?.checkins.length === 2,
      30_000,
      'guest check-ins at the host',
    );
    expect(withCheckins!.checkins.map((c) => c.pseudonym)).toEqual(['EX-GP-1', 'EX-GP-2']);
    expect(withCheckins).toMatchObject({ venue: 'gaoping', room: 'room-2', gaps: [] });

    // A guest-venue alarm reaches the host's console API (the alarm list's guest entries) within 2 s.
    guest.alarms.raise({
      kind: 'left-zone',
      level: 2,
      subject: 'EX-GP-2',
      session: SESSION,
      details: { zone: 'eval-zone' },
    });
    const raisedAt = guest.log.query({ type: 'alarm.raised', session: SESSION }).at(-1)!.at;
    const alarms = await eventually(
      async () =>
        (await api(host, '/api/remote/alarms', { role: 'witness' })).body as {
          kind: string;
          at: number;
          receivedAt: number;
          venue: string;
          guestVenue: boolean;
        }[],
      (list) => list.some((a) => a.kind === 'left-zone'),
      30_000,
      'the guest alarm at the host',
    );
    const alarm = alarms.find((a) => a.kind === 'left-zone')!;
    expect(alarm).toMatchObject({ venue: 'gaoping', guestVenue: true, at: raisedAt });
    const latencyMs = alarm.receivedAt - alarm.at;
    console.log(`guest alarm → host console: ${latencyMs} ms (guest event at → host receipt)`);
    expect(latencyMs).toBeLessThanOrEqual(2000);

    // The guest room's expert calls the guest venue's witness (the room's intercom station, simulated on the guest
    // venue's broker with its own credential) and hangs up unanswered: the host sees the call and its outcome.
    const stations = await simulatorsOf(guest, (id) => id === 'ic-room-2');
    try {
      const station = stations.get('ic-room-2') as IntercomStationSimulator;
      const callId = await station.call();
      const ringing = await eventually(
        () => guestRoom(host),
        (r) => r?.calls.some((c) => c.callId === callId) ?? false,
        30_000,
        'the guest call at the host',
      );
      expect(ringing!.calls.find((c) => c.callId === callId)).toMatchObject({ direction: 'from-room' });
      await station.hangup();
      const ended = await eventually(
        () => guestRoom(host),
        (r) => r?.calls.find((c) => c.callId === callId)?.state === 'ended',
        30_000,
        'the guest call ended at the host',
      );
      expect(ended!.calls.find((c) => c.callId === callId)).toMatchObject({ answered: false });
    } finally {
      await stations.stop();
    }
    // The station gone (no session named): the host sees the guest room's intercom offline, and its alarm.
    const stationDown = await eventually(
      () => guestRoom(host),
      (r) => r?.devices.some((d) => d.device === 'ic-room-2' && !d.online) ?? false,
      30_000,
      "the guest room's station offline at the host",
    );
    expect(stationDown?.devices.find((d) => d.device === 'ic-room-2')).toMatchObject({
      kind: 'intercom',
      online: false,
    });
    expect(stationDown?.alarms.map((a) => a.kind)).toContain('device-offline');

    // The hub goes away: each venue keeps working alone.
    const port = Number(new URL(city.url).port);
    await city.stop();
    for (const edge of [host, guest])
      await eventually(
        () => edge.services.sync.status().link?.state,
        (s) => s !== 'up',
        30_000,
        `${edge.venue.id} link down`,
      );
    expect((await checkIn(host, 'EX-JC-2')).status).toBe(200);
    expect((await checkIn(guest, 'EX-GP-3')).status).toBe(200);
    guest.alarms.raise({ kind: 'phone-not-deposited', level: 2, subject: 'EX-GP-3', session: SESSION, details: {} });
    refusals(guest, 150);
    const open = await guestRoom(host);
    expect(open!.gaps).toEqual([{ from: expect.any(Number), to: null, caughtUp: null }]);

    // Back on the same store and port: the host catches up from its cursor, and shows the gap from–to.
    city = await startTestHub({ dir: city.dir, store: city.store, port, operatorToken: OPERATOR_TOKEN });
    // More while the links come back: the host's replay and the live relay meet without losing or doubling any.
    refusals(guest, 150);
    const caughtUp = await eventually(
      () => guestRoom(host),
      (r) => r?.gaps[0]?.to != null && r.checkins.length === 3 && r.alarms.length === 3,
      60_000,
      'the host caught up with the guest room',
    );
    const gap = caughtUp!.gaps[0]!;
    expect(gap.from).toBeLessThan(gap.to!);
    expect(gap.caughtUp).toBeGreaterThanOrEqual(2);
    expect(caughtUp!.checkins.map((c) => c.pseudonym)).toEqual(['EX-GP-1', 'EX-GP-2', 'EX-GP-3']);
    // Every event the guest venue uploads of the session or of its room in the session's time is at the host, once.
    const scope = {
      session: SESSION,
      start: input.start as number,
      end: input.end as number,
      places: roomPlaces(loadVenue(venueFile('gaoping')), 'room-2'),
    };
    const uploadable = () =>
      guest.log
        .query({ limit: 100_000 })
        .filter(
          (e) =>
            UPLOAD_RULES[e.type] &&
            concernsGuestRoom(
              toUpstream(e, (id) => id),
              scope,
            ),
        )
        .map((e) => e.seq);
    const held = () =>
      host.db
        .prepare('SELECT seq FROM remote_guest_events WHERE session = ? AND venue = ? ORDER BY seq')
        .pluck()
        .all(SESSION, 'gaoping') as number[];
    await eventually(held, (seqs) => seqs.length === uploadable().length, 60_000, 'every guest event at the host');
    expect(held()).toEqual(uploadable());
    const recorded = host.log.query({ type: 'remote.guest-gap', session: SESSION });
    expect(recorded.map((e) => e.data)).toEqual([{ venue: 'gaoping', room: 'room-2', ...gap }]);

    // The host witness's console: the guest room's card (venue, check-ins, the gap) and its alarms, marked.
    const browser = await launchChromium();
    try {
      const rooms = await consolePage(browser, host, 'witness', 'rooms');
      const card = rooms.locator('[data-guest-room="gaoping/room-2"]');
      await card.locator('[data-gap-to]:not([data-gap-to=""])').waitFor({ timeout: 30_000 });
      const text = (await card.textContent()) ?? '';
      expect(text).toContain('客场 · 高平 room-2');
      expect(
        await card.locator('[data-pseudonym]').evaluateAll((li) => li.map((e) => e.getAttribute('data-pseudonym'))),
      ).toEqual(['EX-GP-1', 'EX-GP-2', 'EX-GP-3']);
      expect(text).toMatch(/中断 \S+–\S+，已补传 \d+ 条/);
      expect(await card.locator('[data-guest-device="ic-room-2"]').getAttribute('data-online')).toBe('false');
      expect(text).toContain('ic-room-2 离线');
      const alarmList = await consolePage(browser, host, 'witness', 'alarms');
      const guestRows = alarmList.locator('tr.guest-alarm');
      await guestRows.nth(2).waitFor({ timeout: 30_000 });
      expect(await guestRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')))).toEqual([
        'left-zone',
        'device-offline',
        'phone-not-deposited',
      ]);
      expect(await guestRows.first().textContent()).toContain('客场 高平 · room-2');
    } finally {
      await browser.close();
    }

    // Only the guest venue drops (its edge goes down): the hub tells the host, which shows a second gap until the
    // guest venue is back and its uploads reached the record head it announced.
    refusals(guest, 50);
    await guest.stop();
    edges.splice(edges.indexOf(guest), 1);
    await eventually(
      () => guestRoom(host),
      (r) => r?.gaps[1]?.to === null,
      30_000,
      'the guest venue offline at the host',
    );
    guest = await venue('gaoping', city, guest.dataDir);
    const second = await eventually(
      () => guestRoom(host),
      (r) => r?.gaps[1]?.to != null,
      60_000,
      'the guest back',
    );
    expect(second!.gaps[1]!.from).toBeLessThan(second!.gaps[1]!.to!);
    await eventually(held, (seqs) => seqs.length === uploadable().length, 60_000, 'every guest event at the host');
    expect(held()).toEqual(uploadable());
    expect(host.log.query({ type: 'remote.guest-gap', session: SESSION })).toHaveLength(2);

    // The evidence: the host's part and the guest's, each signed by its own venue, verified together.
    const exported = await fetch(`${host.httpUrl}/api/remote/sessions/${SESSION}/evidence`, {
      method: 'POST',
      headers: await authHeaders(host, 'auditor'),
    });
    expect(exported.status).toBe(200);
    const zip = new Uint8Array(await exported.arrayBuffer());
    const verdict = await verifyEvidence(new Map(Object.entries(unzipSync(zip))));
    expect(verdict.findings).toEqual([]);
    expect(verdict.parts!.map((p) => [p.venue, p.role, p.verdict.ok])).toEqual([
      ['jincheng', 'host', true],
      ['gaoping', 'guest', true],
    ]);
    expect(verdict.parts![1]!.verdict.summary!.keyId).toBe(guest.services.sync.key.keyId);
    expect(guest.log.query({ type: 'evidence.exported', session: SESSION }).map((e) => e.actor)).toEqual([
      'host:jincheng',
    ]);
    const file = join(tempDir('halledge-remote-evidence-'), 'remote.zip');
    writeFileSync(file, zip);
    const cli = await run('npx', ['tsx', 'edge/evidence/verify-evidence-cli.ts', file]);
    expect(cli.stdout).toMatch(/part gaoping \(guest\): verified/);
    expect(cli.stdout).toMatch(/VERIFIED/);
  });
});
