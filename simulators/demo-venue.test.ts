import { createHash } from 'node:crypto';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { videoTool } from '../devices/camera/video-tools.ts';
import type { CameraOverview, SessionReplay } from '../edge/video/footage-replay.ts';
import { api, authHeaders, eventually, tempDir } from '../test/venue-harness.ts';
import { type DemoVenue, startDemoVenue } from './demo-venue.ts';

let demo: DemoVenue;

/**
 * A PATH like this one without the named programs: a folder of links to every other program on it. Run with it,
 * the demo cannot see the system's ffmpeg and ffprobe, as on a fresh machine without the Debian packages.
 */
function pathWithout(hidden: string[]): string {
  const dir = tempDir('halledge-path-');
  for (const from of (process.env.PATH ?? '').split(delimiter).filter(existsSync))
    for (const name of readdirSync(from))
      if (!hidden.includes(name) && !existsSync(join(dir, name))) symlinkSync(join(from, name), join(dir, name));
  return dir;
}

describe.each([
  ['the system ffmpeg', null],
  ['the npm-packaged ffmpeg, the system one hidden from PATH', ['ffmpeg', 'ffprobe']],
] as const)('npm run demo with %s', (_tools, hidden) => {
  const systemPath = process.env.PATH;
  beforeAll(async () => {
    if (hidden) process.env.PATH = pathWithout([...hidden]);
    // The demo's own wiring, on free ports; 2 s segments so footage exists within seconds.
    demo = await startDemoVenue({
      venue: 'qinshui',
      dataDir: tempDir('halledge-demo-'),
      http: 0,
      mqtt: 0,
      mqttWs: 0,
      cameraPort: 0,
      segmentS: 2,
      logger: pino({ level: 'silent' }),
    });
  }, 30_000);

  afterAll(async () => {
    await demo?.stop();
    process.env.PATH = systemPath;
  });

  /** The first binary message of a live view: an fMP4 init segment starts with an `ftyp` box. */
  async function firstLiveChunk(camera: string): Promise<{ info: { mode: string }; chunk: Buffer }> {
    const ws = new WebSocket(`${demo.edge.httpUrl.replace('http', 'ws')}/api/video/live/${camera}`, {
      headers: await authHeaders(demo.edge, 'witness'),
    });
    try {
      return await new Promise((ok, fail) => {
        let info: { mode: string } | undefined;
        ws.on('message', (data, isBinary) => {
          if (!isBinary) info = JSON.parse(data.toString());
          else if (info) ok({ info, chunk: data as Buffer });
        });
        ws.on('close', (code, reason) => fail(new Error(`live view closed ${code} ${reason}`)));
        ws.on('error', fail);
      });
    } finally {
      ws.close();
    }
  }

  it('simulates the venue file cameras and records them: the grid says recording, the session has footage, live plays', async () => {
    const { edge } = demo;
    expect(demo.cameras).not.toBeNull();
    if (hidden)
      expect([videoTool('ffmpeg'), videoTool('ffprobe')]).toEqual([
        expect.stringContaining('node_modules/@ffmpeg-installer/'),
        expect.stringContaining('node_modules/@ffprobe-installer/'),
      ]);

    const overview = await eventually(
      async () => (await api<CameraOverview[]>(edge, '/api/video/overview', { role: 'operator' })).body,
      (cams) => cams.every((c) => c.state === 'recording' && c.lastSegmentEnd !== null),
      25_000,
    );
    expect(overview.map((c) => [c.id, c.state, c.live, c.offline])).toEqual(
      edge.venue.cameras.map((c) => [c.id, 'recording', true, false]),
    );

    // The replay page's data for today's demo session: its room camera's segments, each one the file it names.
    const session = demo.session.session;
    const roomCamera = edge.venue.cameras.find((c) => c.zone === edge.services.sessions.get(session)!.room)!;
    const footage = await eventually(
      async () => (await api<SessionReplay>(edge, `/api/video/replay/${session}`, { role: 'auditor' })).body,
      (f) => (f.cameras.find((c) => c.id === roomCamera.id)?.segments.length ?? 0) > 0,
      15_000,
    );
    const segment = footage.cameras.find((c) => c.id === roomCamera.id)!.segments[0]!;
    const file = await fetch(`${edge.httpUrl}/api/video/replay/${session}/segments/${segment.id}`, {
      headers: await authHeaders(edge, 'auditor'),
    });
    expect(file.status).toBe(200);
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.length).toBe(segment.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(segment.sha256);

    const live = await firstLiveChunk(roomCamera.id);
    expect(live.info.mode).toBe('mse');
    expect(live.chunk.subarray(4, 8).toString('latin1')).toBe('ftyp');
  }, 60_000);

  it('sign in as the demo operator, then /api/devices lists every simulated device online', async () => {
    const { edge } = demo;
    // As the README shows with curl: a bearer token from /api/auth/login, then the device list.
    const login = await fetch(`${edge.httpUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'operator', password: 'demo-operator-pass' }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    expect((await fetch(`${edge.httpUrl}/api/devices`)).status).toBe(401);
    const devices = await eventually(
      async () =>
        (await (
          await fetch(`${edge.httpUrl}/api/devices`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as { id: string; online: boolean }[],
      (list) => demo.simulators.devices.every((sim) => list.find((d) => d.id === sim.identity.id)?.online),
      20_000,
    );
    expect(devices.length).toBeGreaterThanOrEqual(demo.simulators.devices.length);
  }, 60_000);
});
