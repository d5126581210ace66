// The city hub as a process (npm run city):
//   tsx city/cli.ts [--db data/city/hub.db | --postgres postgres://…] [--key data/city/hub.key]
//     [--port 9400] [--host 127.0.0.1] [--register jincheng=path/to/venue-ed25519.pub ...] [--enrol jincheng ...]
//     [--mqtt mqtt://127.0.0.1:1883] [--operator-token-file path]  (bearer token for scheduling remote sessions)
// Prints one JSON line {"url", "publicKey", "tokens"} on stdout once listening (the bench reads it); stops
// gracefully on SIGINT/SIGTERM (requests in progress finish, then the store closes).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startHub } from './hub-app.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'data/city/hub.db' },
    postgres: { type: 'string' },
    key: { type: 'string', default: 'data/city/hub.key' },
    port: { type: 'string', default: '9400' },
    host: { type: 'string', default: '127.0.0.1' },
    register: { type: 'string', multiple: true, default: [] },
    enrol: { type: 'string', multiple: true, default: [] },
    mqtt: { type: 'string' },
    'operator-token-file': { type: 'string' },
  },
});

const running = await startHub({
  store: values.postgres ? { postgres: values.postgres } : { sqlite: values.db! },
  keyFile: values.key!,
  http: { port: Number(values.port), host: values.host! },
  ...(values.mqtt ? { mqtt: values.mqtt } : {}),
  ...(values['operator-token-file']
    ? { operatorToken: readFileSync(values['operator-token-file'], 'utf8').trim() }
    : {}),
});
const { hub } = running;
for (const entry of values.register!) {
  const [venue, file] = entry.split('=');
  if (!venue || !file) throw new Error(`--register ${entry}: expected venue=public-key-file`);
  await hub.registerVenue(venue, readFileSync(file, 'utf8'));
}
const tokens: Record<string, string> = {};
for (const venue of values.enrol!) tokens[venue] = await hub.issueEnrolToken(venue);
process.stdout.write(`${JSON.stringify({ url: running.url, publicKey: hub.publicKeyPem, tokens })}\n`);

const shutdown = async () => {
  await running.stop();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
