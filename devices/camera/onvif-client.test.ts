import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { type CameraProfile, OnvifCamera, pickStreams, probeCameras } from './onvif-client.ts';

const farm = new CameraFarm({
  cameras: [
    { id: 'cam-a' },
    { id: 'cam-b', clockSkewMs: 30_000 },
    { id: 'cam-s', width: 1280, height: 720, substream: true },
  ],
  credentials: { username: 'admin', password: 'secret-1' },
});

beforeAll(() => farm.start());
afterAll(() => farm.stop());

const endpoint = (id: string, password = 'secret-1') => ({
  deviceService: farm.deviceServiceUrl(id),
  username: 'admin',
  password,
});

describe('ONVIF driver against the simulated camera', () => {
  it('reads device information, profiles, stream URI and presets (WS-Security UsernameToken)', async () => {
    const cam = await OnvifCamera.connect(endpoint('cam-a'));
    const d = await cam.describe();
    expect(d).toMatchObject({ manufacturer: 'HallEdge', model: 'SimCam-1', serial: 'SIM-cam-a' });
    expect(d.profiles[0]).toMatchObject({ token: 'main', encoding: 'H264', width: 640, height: 360, fps: 10 });
    expect(d.streamUri).toBe(farm.streamUrl('cam-a'));
    // One profile: no substream, live tiles use the main stream.
    expect(d.profiles).toHaveLength(1);
    expect(d).toMatchObject({ mainProfile: 'main', substream: null });
    expect(d.presets.map((p) => p.token).sort()).toEqual(['p1', 'p2']);
    // Same machine clock: only the camera's whole-second time and the round trip separate them (a loaded machine's
    // round trip too), far from the 30 s camera below.
    expect(Math.abs(d.clockDriftMs)).toBeLessThan(5000);
    await cam.gotoPreset('main', 'p2');
    expect(farm.currentPreset('cam-a')).toBe('p2');
  });

  it("reads a camera's two profiles: main (largest) is recorded, sub (smallest) is the live grid's", async () => {
    const cam = await OnvifCamera.connect(endpoint('cam-s'));
    const d = await cam.describe();
    expect(d.profiles).toEqual([
      { token: 'main', name: 'mainStream', encoding: 'H264', width: 1280, height: 720, fps: 10 },
      { token: 'sub', name: 'subStream', encoding: 'H264', width: 640, height: 360, fps: 10 },
    ]);
    expect(d.mainProfile).toBe('main');
    expect(d.streamUri).toBe(farm.streamUrl('cam-s'));
    expect(d.substream).toEqual({ profile: 'sub', uri: farm.substreamUrl('cam-s') });
    expect(d.substream!.uri).not.toBe(d.streamUri);
    // GetStreamUri answers per profile token; an unknown token is the camera's fault.
    await expect(cam.streamUri('no-such-profile')).rejects.toThrow(/no profile no-such-profile/);
  });

  it('picks by resolution, not by order, and never an MJPEG profile as the substream', () => {
    const p = (token: string, encoding: string, width: number, height: number): CameraProfile => ({
      token,
      name: token,
      encoding,
      width,
      height,
      fps: 25,
    });
    const listed = [p('mjpeg', 'JPEG', 320, 240), p('sub', 'H264', 704, 576), p('main', 'H265', 2560, 1440)];
    expect(pickStreams(listed)).toEqual({ main: listed[2], sub: listed[1] });
    expect(pickStreams([p('only', 'H264', 1920, 1080)]).sub).toBeNull();
    // Two profiles of the same size: the first is main, and there is no smaller stream to use.
    expect(pickStreams([p('a', 'H264', 1920, 1080), p('b', 'H264', 1920, 1080)])).toMatchObject({
      main: { token: 'a' },
      sub: null,
    });
  });

  it('measures a camera clock that runs 30 s ahead', async () => {
    const cam = await OnvifCamera.connect(endpoint('cam-b'));
    const drift = await cam.clockDrift();
    expect(drift).toBeGreaterThan(25_000);
    expect(drift).toBeLessThan(35_000);
  });

  it('refuses a wrong password with a clear error', async () => {
    await expect(OnvifCamera.connect(endpoint('cam-a', 'wrong')).then((c) => c.describe())).rejects.toThrow();
  });

  it('answers HTTP digest authentication and challenges without it', async () => {
    const url = farm.deviceServiceUrl('cam-a');
    const body =
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>' +
      '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>';
    const first = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/soap+xml' } });
    expect(first.status).toBe(401);
    const challenge = first.headers.get('www-authenticate') ?? '';
    const realm = /realm="([^"]+)"/.exec(challenge)?.[1] ?? '';
    const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] ?? '';
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const uri = new URL(url).pathname;
    const ha1 = md5(`admin:${realm}:secret-1`);
    const response = md5(`${ha1}:${nonce}:00000001:abc:auth:${md5(`POST:${uri}`)}`);
    const authorization = `Digest username="admin", realm="${realm}", nonce="${nonce}", uri="${uri}", qop=auth, nc=00000001, cnonce="abc", response="${response}"`;
    const second = await fetch(url, { method: 'POST', body, headers: { authorization } });
    expect(second.status).toBe(200);
    expect(await second.text()).toContain('<tds:Model>SimCam-1</tds:Model>');
  });

  it('finds every camera with a unicast WS-Discovery probe', async () => {
    const found = await probeCameras('127.0.0.1', farm.discoveryPort!);
    expect(found.sort((a, b) => a.xaddr.localeCompare(b.xaddr))).toEqual([
      { xaddr: farm.deviceServiceUrl('cam-a'), name: 'cam-a', hardware: 'SimCam-1' },
      { xaddr: farm.deviceServiceUrl('cam-b'), name: 'cam-b', hardware: 'SimCam-1' },
      { xaddr: farm.deviceServiceUrl('cam-s'), name: 'cam-s', hardware: 'SimCam-1' },
    ]);
  });
});
