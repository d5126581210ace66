// The edge server for one venue. Configuration from the environment:
//   HALLEDGE_VENUE (venue id or venue file path, default jincheng), HALLEDGE_DATA (default data/<venue>),
//   HALLEDGE_HTTP_HOST/HALLEDGE_HTTP_PORT (127.0.0.1:8080), HALLEDGE_MQTT_URL (external broker; embedded if unset),
//   HALLEDGE_MQTT_PORT / HALLEDGE_MQTT_WS_PORT (embedded broker, 1883 / 8883), HALLEDGE_MQTT_HOST (0.0.0.0 on site),
//   HALLEDGE_METRICS_TOKEN (Prometheus scrape token for /metrics; unset: open).
import { join } from 'node:path';
import { VenueConfigError } from '../config/venue-loader.ts';
import { startVenue } from './runtime.ts';
import { NewerDatabaseError } from './store/database.ts';
import { DataDirInUseError } from './store/writer-lock.ts';

const env = process.env;
const venue = env.HALLEDGE_VENUE ?? 'jincheng';
try {
  const edge = await startVenue({
    venue,
    dataDir:
      env.HALLEDGE_DATA ??
      join(
        'data',
        venue
          .replace(/\.yaml$/, '')
          .split('/')
          .pop()!,
      ),
    bus: env.HALLEDGE_MQTT_URL
      ? { kind: 'external', url: env.HALLEDGE_MQTT_URL }
      : {
          kind: 'embedded',
          host: env.HALLEDGE_MQTT_HOST ?? '127.0.0.1',
          port: Number(env.HALLEDGE_MQTT_PORT ?? 1883),
          wsPort: Number(env.HALLEDGE_MQTT_WS_PORT ?? 8883),
        },
    http: { host: env.HALLEDGE_HTTP_HOST ?? '127.0.0.1', port: Number(env.HALLEDGE_HTTP_PORT ?? 8080) },
    metricsToken: env.HALLEDGE_METRICS_TOKEN || undefined,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void edge.stop().then(() => process.exit(0)));
} catch (err) {
  if (err instanceof VenueConfigError || err instanceof NewerDatabaseError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  if (err instanceof DataDirInUseError) {
    console.error(err.message);
    process.exit(75); // EX_TEMPFAIL
  }
  throw err;
}
