// The edge server for one venue, configured by its environment (edge/edge-config.ts; the variables are listed in
// docs/operations.md). `npm start -- --print-config` prints the configuration it would run with (secrets masked)
// and exits; a wrong variable stops it with every problem named.
import { VenueConfigError } from '../config/venue-loader.ts';
import { EdgeConfigError, edgeConfigFromEnv, printableConfig } from '../edge/edge-config.ts';
import { edgeLogger } from '../edge/logger.ts';
import { NewerDatabaseError } from '../edge/store/database.ts';
import { DataDirInUseError } from '../edge/store/writer-lock.ts';
import { startVenue } from './start-venue.ts';

try {
  const config = edgeConfigFromEnv(process.env);
  if (process.argv.includes('--print-config')) {
    console.log(JSON.stringify(printableConfig(config), null, 2));
    process.exit(0);
  }
  const edge = await startVenue({ ...config, logger: edgeLogger({ level: config.logLevel }) });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void edge.stop().then(() => process.exit(0)));
} catch (err) {
  if (err instanceof EdgeConfigError || err instanceof VenueConfigError || err instanceof NewerDatabaseError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  if (err instanceof DataDirInUseError) {
    console.error(err.message);
    process.exit(75); // EX_TEMPFAIL
  }
  throw err;
}
