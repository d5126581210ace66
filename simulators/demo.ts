// The demo venue: the edge with its embedded broker and SQLite, plus a simulator for every device in the venue file.
// Usage: npm run demo [-- --venue gaoping --http 8080 --mqtt 1883 --data data/demo]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ensureDashboardsBuilt } from '../dashboards/build.ts';
import { startVenue } from '../edge/runtime.ts';
import { DEMO_USERS, ensureDemoUsers } from '../hall-server/auth/bootstrap.ts';
import { UserStore } from '../hall-server/auth/user-store.ts';
import { importDemoSession, playDemoCheckins } from './demo-session.ts';
import type { FaceTerminalSimulator } from './face-terminal/face-terminal-simulator.ts';
import { startVenueSimulators } from './venue-simulators.ts';

const { values } = parseArgs({
  options: {
    venue: { type: 'string', default: 'jincheng' },
    http: { type: 'string', default: '8080' },
    mqtt: { type: 'string', default: '1883' },
    'mqtt-ws': { type: 'string', default: '8883' },
    data: { type: 'string' },
  },
});

await ensureDashboardsBuilt();
// The demo's first start makes the administrator with the demo password (a real venue's is random or from env).
process.env.HALLEDGE_ADMIN_PASSWORD ??= DEMO_USERS.find((u) => u.role === 'administrator')!.password;
const edge = await startVenue({
  venue: values.venue!,
  dataDir: values.data ?? join('data', values.venue!),
  bus: { kind: 'embedded', host: '127.0.0.1', port: Number(values.mqtt), wsPort: Number(values['mqtt-ws']) },
  http: { host: '127.0.0.1', port: Number(values.http) },
  logger: pino({
    level: process.env.LOG_LEVEL ?? 'info',
    transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } },
  }),
});
await ensureDemoUsers(new UserStore(edge.db, edge.log));
const simulators = await startVenueSimulators(edge.venue, {
  brokerUrl: edge.bus.deviceUrl,
  credential: edge.deviceCredential,
});
const demo = importDemoSession(edge.services, edge.venue);

console.log(`
HallEdge demo — ${edge.venue.name}
  console / API   ${edge.httpUrl}/          (OpenAPI docs: ${edge.httpUrl}/docs)
  devices         ${edge.httpUrl}/api/devices
  live feed       ${edge.httpUrl.replace('http', 'ws')}/api/feed
  MQTT            ${edge.bus.deviceUrl}   (WebSocket ${edge.bus.deviceWsUrl})
  simulated devices: ${simulators.devices.length}
  sample session  ${demo.session}: ${demo.experts.length} experts (${demo.experts.map((e) => e.pseudonym).join(', ')}), check-in open
  console users (demo passwords): ${DEMO_USERS.map((u) => `${u.username} / ${u.password}`).join(',  ')}
Ctrl-C stops everything cleanly.
`);

let stopping = false;

// A few check-ins at the entrance terminal, after the banner: the face engine starts with the first one.
const terminal = edge.venue.devices.find((d) => d.kind === 'face-terminal');
if (terminal)
  playDemoCheckins(simulators.get(terminal.id) as FaceTerminalSimulator, edge.services, demo, {
    onResult: (c) =>
      console.log(`  demo check-in ${c.pseudonym}${c.impostor ? ' (impostor)' : ''}: ${c.shown.message}`),
  }).catch((err: Error) => {
    if (!stopping) console.log(`  demo check-ins not played: ${err.message}`);
  });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await simulators.stop();
    await edge.stop();
    process.exit(0);
  });
}
