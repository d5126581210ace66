// Runs the edge's ONVIF driver and recorder against an ONVIF server nobody here wrote:
// daniela-hase/onvif-server (Node, node-soap with the ONVIF WSDLs). Its code is never committed here.
//
//   git clone https://github.com/daniela-hase/onvif-server /tmp/onvif-server   (or from a local mirror)
//   (cd /tmp/onvif-server && npm install --ignore-scripts)
//   ONVIF_SERVER_DIR=/tmp/onvif-server npx tsx simulators/camera/independent-onvif-check.ts
//
// It serves the stream of one of our simulated cameras (its GetStreamUri points at our RTSP server), so the
// check covers ONVIF adoption end to end: device info, profiles, stream URI, then one recorded segment.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AlarmEngine } from '../../edge/alerts/alarms.ts';
import { openDatabase } from '../../edge/store/database.ts';
import { EventLog } from '../../edge/store/event-log.ts';
import { VideoService } from '../../edge/video/video-service.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { CameraFarm, freePort } from './camera-farm.ts';

const dir = process.env.ONVIF_SERVER_DIR;
if (!dir) {
  console.error('请设置 ONVIF_SERVER_DIR / set ONVIF_SERVER_DIR to a checkout of daniela-hase/onvif-server');
  process.exit(2);
}

const farm = new CameraFarm({ cameras: [{ id: 'cam-x', width: 320, height: 180 }], discovery: false });
await farm.start();
await farm.streamsReady();
const port = await freePort();

// The server reads its WSDLs relative to the working directory.
process.chdir(dir);
const onvifServer = createRequire(join(dir, 'package.json'))('./src/onvif-server.js') as {
  createServer(config: object, logger: object): { startServer(): void; server: { close(): void } };
};
const quiet = { info() {}, debug() {}, trace() {}, warn() {}, error: console.error };
const independent = onvifServer.createServer(
  {
    hostname: '127.0.0.1',
    mac: '00:00:00:00:00:00',
    name: 'independent',
    uuid: '15b21259-77d9-441f-9913-3ccd8a82e430',
    ports: { server: port, rtsp: farm.rtspPort },
    highQuality: { rtsp: '/cam-x', width: 320, height: 180, framerate: 10, bitrate: 512, quality: 4 },
    lowQuality: { rtsp: '/cam-x', width: 320, height: 180, framerate: 10, bitrate: 512, quality: 1 },
    target: { hostname: '127.0.0.1', ports: { rtsp: farm.rtspPort } },
  },
  quiet,
);
independent.startServer();

const dataDir = tempDir('halledge-onvif-independent-');
const db = openDatabase(join(dataDir, 'edge.db'));
const log = new EventLog(db, 'check');
const video = new VideoService(
  { db, log, alarms: new AlarmEngine(log), dataDir },
  { segmentS: 2, rtspTransport: 'udp', credentials: { username: 'admin', password: 'unused' } },
);
let ok = false;
try {
  await video.adopt({ id: 'cam-x', onvif: `http://127.0.0.1:${port}/onvif/device_service` });
  const adopted = log.query({ type: 'video.camera-adopted' })[0];
  console.log('adopted:', JSON.stringify(adopted?.data));
  console.log('stream:', video.cameras()[0]?.streamUrl);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && video.timeline('cam-x', 0, Date.now() + 1).segments.length === 0)
    await new Promise((r) => setTimeout(r, 250));
  const segments = video.timeline('cam-x', 0, Date.now() + 1).segments;
  console.log('segments recorded:', segments.length, segments[0]?.sha256 ?? '');
  ok = segments.length > 0 && video.cameras()[0]?.streamUrl === farm.streamUrl('cam-x');
} catch (err) {
  console.error('FAILED:', (err as Error).message);
} finally {
  await video.stop();
  independent.server.close();
  await farm.stop();
}
console.log(ok ? 'OK: driver and recorder work against daniela-hase/onvif-server' : 'FAILED');
process.exit(ok ? 0 : 1);
