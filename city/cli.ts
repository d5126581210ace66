// The city hub as a process (npm run city):
//   npm run city [-- --config city.yaml] [--db data/city/hub.db | --postgres postgres://…] [--key data/city/hub.key]
//     [--port 9400] [--host 127.0.0.1] [--register jincheng=path/to/venue-ed25519.pub ...] [--enrol jincheng ...]
//     [--mqtt mqtt://127.0.0.1:1883 [--mqtt-share city-hub]] [--log-level warn]
//     [--operator-token-file path]  (the bearer token that schedules remote sessions: docs/sync.md)
// Flags override the config file (city/config.ts). Prints one JSON line {"url", "publicKey", "tokens"} on stdout
// once listening (scripts and the bench read it), the same for people on stderr; stops gracefully on SIGINT/SIGTERM
// (requests in progress finish, then the store closes).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { type HubFileConfig, loadHubConfigFile } from './config.ts';
import { startHub } from './hub-app.ts';
import { CityUsers, ensureCityAdmin } from './views/city-users.ts';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    db: { type: 'string' },
    postgres: { type: 'string' },
    key: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    register: { type: 'string', multiple: true, default: [] },
    enrol: { type: 'string', multiple: true, default: [] },
    mqtt: { type: 'string' },
    'mqtt-share': { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    'operator-token-file': { type: 'string' },
  },
});

/** Reads the settings, starts the hub and registers the venues given; any failure is one line naming its cause. */
async function start() {
  const file: HubFileConfig = values.config ? loadHubConfigFile(values.config) : {};
  const register = { ...file.register };
  for (const entry of values.register!) {
    const [venue, pem] = entry.split('=');
    if (!venue || !pem) throw new Error(`--register ${entry}: expected venue=public-key-file`);
    register[venue] = pem;
  }
  const keys = Object.entries(register).map(([venue, pem]) => [venue, readFileSync(pem, 'utf8')] as const);
  const port = Number(values.port ?? file.http?.port ?? 9400);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: expected 0–65535`);
  const store = values.postgres
    ? { postgres: values.postgres }
    : values.db
      ? { sqlite: values.db }
      : (file.store ?? { sqlite: 'data/city/hub.db' });
  const mqtt = values.mqtt ?? file.mqtt;
  const shareGroup = values['mqtt-share'] ?? file.mqttShareGroup;
  const keyFile = values.key ?? file.key ?? 'data/city/hub.key';
  const running = await startHub({
    store,
    keyFile,
    http: { port, host: values.host ?? file.http?.host ?? '127.0.0.1' },
    ...(mqtt ? { mqtt } : {}),
    ...(shareGroup ? { mqttShareGroup: shareGroup } : {}),
    ...(values['operator-token-file']
      ? { operatorToken: readFileSync(values['operator-token-file'], 'utf8').trim() }
      : {}),
    logger: pino({ level: values['log-level']! }, pino.destination(2)),
  });
  for (const [venue, pem] of keys) await running.hub.registerVenue(venue, pem);
  const tokens: Record<string, string> = {};
  for (const venue of [...(file.enrol ?? []), ...values.enrol!])
    tokens[venue] = await running.hub.issueEnrolToken(venue);
  return { running, store, tokens, keyFile };
}

let started: Awaited<ReturnType<typeof start>>;
try {
  started = await start();
} catch (err) {
  process.stderr.write(`city hub: ${(err as Error).message}\n`);
  process.exit(2);
}
const { running, store, tokens, keyFile } = started;
const { hub } = running;
const bootstrap = await ensureCityAdmin(await CityUsers.open(hub.store.db), {
  password: process.env.HALLEDGE_CITY_ADMIN_PASSWORD,
  passwordFile: join(dirname(keyFile), 'city-admin.password'),
});
process.stdout.write(`${JSON.stringify({ url: running.url, publicKey: hub.publicKeyPem, tokens })}\n`);
const where = 'postgres' in store ? `PostgreSQL ${new URL(store.postgres).host}` : `SQLite ${store.sqlite}`;
process.stderr.write(
  [
    `城市中心已启动 city hub listening on ${running.url} (${where})`,
    'Hub public key (install on each venue as <keys>/sync/platform-ed25519.pub, or sync.json platformKey):',
    hub.publicKeyPem.trim(),
    ...Object.entries(tokens).map(([venue, token]) => `enrol token for ${venue}: ${token}`),
    ...(bootstrap ? [bootstrap] : []),
    'Ctrl-C stops it (requests in progress finish first).',
    '',
  ].join('\n'),
);

let stopping = false;
const shutdown = async () => {
  if (stopping) process.exit(1); // a second signal: do not wait
  stopping = true;
  await running.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
