// Runs the edge's ONVIF driver and recorder against an ONVIF device nobody here wrote.
//
//   npm run onvif:interop -- http://127.0.0.1:8000/onvif/device_service        any running ONVIF device
//   npm run onvif:interop -- --onvif-server <dir> --onvif-specs <dir>           daniela-hase/onvif-server, offline
//
// Credentials: HALLEDGE_CAMERA_USER / HALLEDGE_CAMERA_PASSWORD; RTP transport: --rtsp-transport tcp|udp.
//
// With --onvif-server the script starts a checkout of daniela-hase/onvif-server (Node, node-soap with the ONVIF
// WSDLs) beside the project — its code is never committed here. That server's WSDLs import the ONVIF schema from
// onvif.org, which is unreachable offline; the script serves a checkout of the official onvif/specs repository
// (its `wsdl/` folder) on 127.0.0.1 in its place (see onvif-specs-mirror.ts). The server's stream is one of our
// simulated cameras (its GetStreamUri points at our RTSP server), so recording is checked end to end.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OnvifCamera } from '../devices/camera/onvif-client.ts';
import { AlarmEngine } from '../edge/alerts/alarms.ts';
import { openDatabase } from '../edge/store/database.ts';
import { EventLog } from '../edge/store/event-log.ts';
import { VideoService } from '../edge/video/video-service.ts';
import { CameraFarm, freePort } from '../simulators/camera/camera-farm.ts';
import { ONVIF_LOCATION, serveOnvifSpecs } from './onvif-specs-mirror.ts';
import { tempDir } from './venue-harness.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'onvif-server': { type: 'string' },
    'onvif-specs': { type: 'string' },
    'rtsp-transport': { type: 'string', default: 'tcp' },
    segments: { type: 'string', default: '3' },
  },
});
const creds = {
  username: process.env.HALLEDGE_CAMERA_USER ?? 'admin',
  password: process.env.HALLEDGE_CAMERA_PASSWORD ?? 'admin',
};
const wantSegments = Number(values.segments);

const failures: string[] = [];
function check(what: string, ok: boolean, detail: unknown): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
  if (!ok) failures.push(what);
}

/** What the device must report, when the script knows it (the independent server's configuration). */
interface Expected {
  manufacturer: string;
  model: string;
  serial: string;
  profiles: { name: string; width: number; height: number; fps: number }[];
  streamUri: string;
  /** The smaller profile's stream, which the driver must pick as the substream. */
  substreamUri: string;
}

async function runChecks(deviceService: string, transport: 'tcp' | 'udp', expected?: Expected): Promise<void> {
  // 1. The driver alone: every call the edge makes when it adopts a camera.
  const cam = await OnvifCamera.connect({ deviceService, ...creds });
  const d = await cam.describe();
  const info = { manufacturer: d.manufacturer, model: d.model, firmware: d.firmware, serial: d.serial };
  check('GetDeviceInformation', expected ? sameFields(info, expected) : info.manufacturer !== '', info);
  const profiles = d.profiles.map(({ name, width, height, fps }) => ({ name, width, height, fps }));
  check(
    'GetProfiles',
    expected ? JSON.stringify(profiles) === JSON.stringify(expected.profiles) : profiles.length > 0,
    d.profiles,
  );
  check('GetStreamUri', expected ? d.streamUri === expected.streamUri : d.streamUri.startsWith('rtsp://'), d.streamUri);
  const substream = d.substream ?? d.substreamError ?? 'none (a single profile, or none smaller)';
  if (expected)
    check('GetStreamUri of the substream (smallest profile)', d.substream?.uri === expected.substreamUri, substream);
  else console.log(`--   substream: ${JSON.stringify(substream)}`);
  check('GetSystemDateAndTime (clock drift, ms)', Math.abs(d.clockDriftMs) < 2000, Math.round(d.clockDriftMs));
  if (d.presets.length > 0) {
    const token = d.profiles[0]!.token;
    await cam.gotoPreset(token, d.presets[0]!.token);
    check('PTZ GetPresets + GotoPreset', true, d.presets);
  } else {
    console.log('--   PTZ: the device reports no presets (no PTZ service); GotoPreset not exercised');
  }

  // 2. The edge's VideoService: ONVIF adoption, then stream-copy recording of the URI the device gave.
  const dataDir = tempDir('halledge-onvif-interop-');
  const db = openDatabase(join(dataDir, 'edge.db'));
  const log = new EventLog(db, 'interop');
  const video = new VideoService(
    { db, log, alarms: new AlarmEngine(log), dataDir },
    { segmentS: 2, rtspTransport: transport, credentials: creds },
  );
  try {
    await video.adopt({ id: 'interop', onvif: deviceService });
    const adopted = log.query({ type: 'video.camera-adopted' })[0]?.data as { serial?: string } | undefined;
    check('video.camera-adopted in the record', adopted?.serial === d.serial, adopted ?? 'missing');
    const deadline = Date.now() + 10_000 + wantSegments * 4000;
    const segments = () => video.timeline('interop', 0, Date.now() + 1).segments;
    while (Date.now() < deadline && segments().length < wantSegments) await new Promise((r) => setTimeout(r, 250));
    const got = segments();
    check(
      `recorded ${wantSegments} validated segments from ${d.streamUri}`,
      got.length >= wantSegments,
      got.map((s) => `${s.end - s.start} ms ${s.size} B sha256 ${s.sha256.slice(0, 12)}…`),
    );
  } finally {
    await video.stop();
    db.close();
  }
}

function sameFields(info: Record<string, string>, expected: Expected): boolean {
  return (
    info.manufacturer === expected.manufacturer && info.model === expected.model && info.serial === expected.serial
  );
}

/** Starts daniela-hase/onvif-server from a checkout, its WSDL imports served from onvif/specs on loopback. */
async function startIndependentServer(serverDir: string, specsDir: string, rtspPort: number) {
  const specs = await serveOnvifSpecs(specsDir);
  // The server reads ./wsdl/*.wsdl and ./resources from its working directory: give it one whose WSDLs import
  // the ONVIF definitions from the local mirror instead of https://www.onvif.org/.
  const cwd = tempDir('halledge-onvif-server-');
  mkdirSync(join(cwd, 'wsdl'));
  for (const f of ['device_service.wsdl', 'media_service.wsdl']) {
    const wsdl = readFileSync(join(serverDir, 'wsdl', f), 'utf8');
    writeFileSync(join(cwd, 'wsdl', f), wsdl.replaceAll(ONVIF_LOCATION, `$1="${specs.url}/`));
  }
  symlinkSync(join(serverDir, 'resources'), join(cwd, 'resources'));
  process.chdir(cwd);
  const port = await freePort();
  const config = {
    hostname: '127.0.0.1',
    mac: '00:00:00:00:00:00',
    name: 'interop',
    uuid: '15b21259-77d9-441f-9913-3ccd8a82e430',
    ports: { server: port, rtsp: rtspPort },
    highQuality: { rtsp: '/cam-x', width: 320, height: 180, framerate: 10, bitrate: 512, quality: 4 },
    lowQuality: { rtsp: '/cam-x/sub', width: 160, height: 90, framerate: 5, bitrate: 128, quality: 1 },
    target: { hostname: '127.0.0.1', ports: { rtsp: rtspPort } },
  };
  const onvifServer = createRequire(join(serverDir, 'package.json'))('./src/onvif-server.js') as {
    createServer(config: object, logger: object): { startServer(): void; server: { close(): void } };
  };
  const quiet = { info() {}, debug() {}, trace() {}, warn() {}, error: console.error };
  const server = onvifServer.createServer(config, quiet);
  server.startServer();
  // node-soap answers only once it has loaded the WSDLs and every import (until then: the server's 404).
  for (const service of ['device_service', 'media_service'])
    await untilSoapAnswers(`http://127.0.0.1:${port}/onvif/${service}`);
  // What that server's code answers for this configuration (src/onvif-server.js).
  const expected: Expected = {
    manufacturer: 'Onvif',
    model: 'Cardinal',
    serial: 'interop-0000',
    profiles: [
      { name: 'MainStream', width: 320, height: 180, fps: 10 },
      { name: 'SubStream', width: 160, height: 90, fps: 5 },
    ],
    streamUri: `rtsp://127.0.0.1:${rtspPort}/cam-x`,
    substreamUri: `rtsp://127.0.0.1:${rtspPort}/cam-x/sub`,
  };
  return {
    deviceService: `http://127.0.0.1:${port}/onvif/device_service`,
    expected,
    specsRequests: specs.requests,
    async stop() {
      server.server.close();
      await specs.stop();
    },
  };
}

async function untilSoapAnswers(url: string): Promise<void> {
  const body =
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>' +
    '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>';
  let last = '';
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/soap+xml' }, body });
    last = `${res.status} ${(await res.text()).slice(0, 200)}`;
    if (res.status !== 404) return;
  }
  throw new Error(`${url}: SOAP service not up after 15 s (${last})`);
}

let exitCode = 0;
try {
  if (values['onvif-server']) {
    if (!values['onvif-specs'])
      throw new Error('--onvif-specs: required with --onvif-server (a checkout of onvif/specs)');
    // Its substream (160×90) is the one the independent server's SubStream profile points at.
    const farm = new CameraFarm({
      cameras: [{ id: 'cam-x', width: 320, height: 180, substream: true }],
      discovery: false,
    });
    await farm.start();
    await farm.streamsReady();
    const server = await startIndependentServer(values['onvif-server'], values['onvif-specs'], farm.rtspPort);
    try {
      await runChecks(server.deviceService, 'tcp', server.expected);
      console.log(
        `     (the server loaded ${server.specsRequests()} WSDL/XSD files from the local onvif/specs mirror)`,
      );
    } finally {
      await server.stop();
      await farm.stop();
    }
  } else if (positionals[0]) {
    await runChecks(positionals[0], values['rtsp-transport'] === 'udp' ? 'udp' : 'tcp');
  } else {
    throw new Error('give a device service URL, or --onvif-server <dir> --onvif-specs <dir>');
  }
} catch (err) {
  failures.push((err as Error).message);
  console.error('FAILED:', (err as Error).message);
}
if (failures.length > 0) exitCode = 1;
console.log(exitCode === 0 ? 'OK: all interop checks passed' : `FAILED: ${failures.join('; ')}`);
process.exit(exitCode);
