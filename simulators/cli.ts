// Simulated devices for a venue, against any broker — an edge started separately (npm start) or a real site's
// broker in a lab. Each device uses the credential provisioned from the venue's secret.
// Usage: npm run simulate -- --venue jincheng --broker mqtt://127.0.0.1:1883 [--data data/jincheng] [--keys data/jincheng-keys] [--only gate-entrance,rtls-1]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadVenue, venueFile } from '../config/venue-loader.ts';
import { cliKeysDir, DEVICE_SECRET_FILE, deviceCredential, loadOrCreateSecret } from '../devices/provisioning.ts';
import { startVenueSimulators } from './venue-simulators.ts';

const { values } = parseArgs({
  options: {
    venue: { type: 'string', default: 'jincheng' },
    broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    data: { type: 'string' },
    keys: { type: 'string' },
    only: { type: 'string' },
  },
});
const venue = loadVenue(venueFile(values.venue!));
const secret = loadOrCreateSecret(join(cliKeysDir(venue.id, values), DEVICE_SECRET_FILE));
const only = values.only ? new Set(values.only.split(',')) : null;
const sims = await startVenueSimulators(venue, {
  brokerUrl: values.broker!,
  credential: (id) => deviceCredential(secret, venue.id, id),
  only: only ? (id) => only.has(id) : undefined,
});
console.log(`${sims.devices.length} simulated devices of ${venue.name} connected to ${values.broker}`);
process.once('SIGINT', () => void sims.stop().then(() => process.exit(0)));
process.once('SIGTERM', () => void sims.stop().then(() => process.exit(0)));
