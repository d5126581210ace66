// The demo venue: the edge with its embedded broker and SQLite, a simulator for every device in the venue file,
// and simulated cameras the edge records (simulators/demo-venue.ts).
// Usage: npm run demo [-- --venue gaoping --http 8080 --mqtt 1883 --mqtt-ws 8083 --mqtts 8883 --mqtt-wss 8084 --data data/demo --camera-port 18080 --no-cameras]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDashboardsBuilt } from '../dashboards/build.ts';
import { edgeLogger } from '../edge/logger.ts';
import { tlsFiles } from '../edge/tls/venue-ca.ts';
import { DEMO_USERS } from '../hall-server/auth/bootstrap.ts';
import { playDemoCheckins } from './demo-session.ts';
import { startDemoVenue } from './demo-venue.ts';
import type { FaceTerminalSimulator } from './face-terminal/face-terminal-simulator.ts';

const { values } = parseArgs({
  options: {
    venue: { type: 'string', default: 'jincheng' },
    http: { type: 'string', default: '8080' },
    mqtt: { type: 'string', default: '1883' },
    'mqtt-ws': { type: 'string', default: '8083' },
    mqtts: { type: 'string', default: '8883' },
    'mqtt-wss': { type: 'string', default: '8084' },
    data: { type: 'string' },
    'camera-port': { type: 'string' },
    'no-cameras': { type: 'boolean', default: false },
  },
});

await ensureDashboardsBuilt();
const cameraPort = values['no-cameras'] ? false : values['camera-port'] ? Number(values['camera-port']) : undefined;
const {
  edge,
  simulators,
  session: demo,
  camerasNote,
  stop,
} = await startDemoVenue({
  venue: values.venue!,
  dataDir: values.data ?? join('data', values.venue!),
  http: Number(values.http),
  mqtt: Number(values.mqtt),
  mqttWs: Number(values['mqtt-ws']),
  mqttTls: Number(values.mqtts),
  mqttWss: Number(values['mqtt-wss']),
  cameraPort,
  logger: edgeLogger({
    level: process.env.LOG_LEVEL ?? 'info',
    transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } },
  }),
}).catch((err: Error) => {
  console.error(`demo not started: ${err.message}`);
  process.exit(1);
});

// The kiosk page answers only enrolled terminals: a pairing code for it, entered once on the page.
const kiosk = edge.services.checkin.terminals.issuePairingCode('kiosk-demo', 'demo');

console.log(`
HallEdge demo — ${edge.venue.name}
  console / API   ${edge.httpUrl}/          (OpenAPI docs: ${edge.httpUrl}/docs)
  devices         ${edge.httpUrl}/api/devices
  live feed       ${edge.httpUrl.replace('http', 'ws')}/api/feed
  check-in kiosk  ${edge.httpUrl}/kiosk/   pairing code ${kiosk.pairingCode} (valid 15 minutes, once)
  MQTT            ${edge.bus.deviceUrl}   (WebSocket ${edge.bus.deviceWsUrl})
  MQTT over TLS   ${edge.bus.deviceTlsUrl}   (secure WebSocket ${edge.bus.deviceWssUrl}; venue CA: ${tlsFiles(edge.keysDir).caCert})
  simulated devices: ${simulators.devices.length}
  cameras         ${camerasNote}
                  camera grid ${edge.httpUrl}/#/cameras, replay ${edge.httpUrl}/#/replay
  sample session  ${demo.session}: ${demo.experts.length} experts (${demo.experts.map((e) => e.pseudonym).join(', ')}), check-in open
  console users (demo passwords): ${DEMO_USERS.map((u) => `${u.username} / ${u.password}`).join(',  ')}
Ctrl-C stops everything cleanly.
`);

let stopping = false;

// A few check-ins at the entrance terminal, after the banner: the face engine starts with the first one.
const terminal = edge.venue.devices.find((d) => d.kind === 'face-terminal');
if (terminal)
  playDemoCheckins(simulators.get(terminal.id) as FaceTerminalSimulator, edge.services, demo, {
    onCast: (cast) =>
      console.log(
        `  demo faces: ${cast.source}, ${cast.members.length} people (${cast.members.map((m) => m.name).join(', ')})`,
      ),
    onResult: (c) =>
      console.log(`  demo check-in ${c.pseudonym}${c.impostor ? ' (impostor)' : ''}: ${c.shown.message}`),
  }).catch((err: Error) => {
    if (!stopping) console.log(`  demo check-ins not played: ${err.message}`);
  });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await stop();
    process.exit(0);
  });
}
