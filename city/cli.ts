// The city platform simulator as a process:
//   tsx city/cli.ts --db data/platform.db --key data/platform.key [--port 9400]
//     [--register jincheng=path/to/venue-ed25519.pub ...] [--enrol jincheng ...] [--mqtt mqtt://127.0.0.1:1883]
//     [--faults 0.2 --seed 7]
// Prints one JSON line {"url", "publicKey", "tokens"} on stdout once listening (the bench reads it).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startPlatformHttp } from './http-server.ts';
import { connectPlatformMqtt } from './mqtt-bridge.ts';
import { CityPlatform } from './platform.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: ':memory:' },
    key: { type: 'string' },
    port: { type: 'string', default: '9400' },
    register: { type: 'string', multiple: true, default: [] },
    enrol: { type: 'string', multiple: true, default: [] },
    mqtt: { type: 'string' },
    faults: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});

const platform = new CityPlatform({ dbFile: values.db!, keyFile: values.key });
for (const entry of values.register!) {
  const [venue, file] = entry.split('=');
  if (!venue || !file) throw new Error(`--register ${entry}: expected venue=public-key-file`);
  platform.registerVenue(venue, readFileSync(file, 'utf8'));
}
const tokens = Object.fromEntries(values.enrol!.map((venue) => [venue, platform.issueEnrolToken(venue)]));
if (values.faults) platform.faults.randomly({ rate: Number(values.faults), seed: Number(values.seed) });
const http = await startPlatformHttp(platform, Number(values.port));
const bridge = values.mqtt ? await connectPlatformMqtt(platform, values.mqtt) : null;
process.stdout.write(`${JSON.stringify({ url: http.url, publicKey: platform.publicKeyPem, tokens })}\n`);

const shutdown = async () => {
  await bridge?.close();
  await http.close();
  platform.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
