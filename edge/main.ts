// The edge server for one venue. Configuration from the environment:
//   HALLEDGE_VENUE (venue id or venue file path, default jincheng), HALLEDGE_DATA (default data/<venue>),
//   HALLEDGE_KEYS (key files, default <data>-keys; e.g. /etc/halledge/keys/<venue> on site: docs/security.md),
//   HALLEDGE_HTTP_HOST/HALLEDGE_HTTP_PORT (127.0.0.1:8080), HTTPS unless HALLEDGE_HTTP_PLAIN=1 (loopback only),
//   HALLEDGE_TLS_HOSTS (names in the venue CA's server certificate, comma-separated; the machine's by default),
//   HALLEDGE_TLS_CERT/HALLEDGE_TLS_KEY (a certificate the administrator provides instead),
//   HALLEDGE_MQTT_URL (external broker; embedded if unset), HALLEDGE_MQTT_HOST (0.0.0.0 on site), embedded broker
//   ports HALLEDGE_MQTT_PORT / _WS_PORT / _TLS_PORT / _WSS_PORT (1883 / 8083 / 8883 / 8084; "off" turns one off).
import { join } from 'node:path';
import { VenueConfigError } from '../config/venue-loader.ts';
import { startVenue } from './runtime.ts';

const env = process.env;
const venue = env.HALLEDGE_VENUE ?? 'jincheng';
const port = (value: string | undefined, fallback: number) => (value === 'off' ? null : Number(value ?? fallback));
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
    keysDir: env.HALLEDGE_KEYS,
    bus: env.HALLEDGE_MQTT_URL
      ? { kind: 'external', url: env.HALLEDGE_MQTT_URL }
      : {
          kind: 'embedded',
          host: env.HALLEDGE_MQTT_HOST ?? '127.0.0.1',
          port: port(env.HALLEDGE_MQTT_PORT, 1883),
          wsPort: port(env.HALLEDGE_MQTT_WS_PORT, 8083),
          tlsPort: port(env.HALLEDGE_MQTT_TLS_PORT, 8883),
          wssPort: port(env.HALLEDGE_MQTT_WSS_PORT, 8084),
        },
    http: {
      host: env.HALLEDGE_HTTP_HOST ?? '127.0.0.1',
      port: Number(env.HALLEDGE_HTTP_PORT ?? 8080),
      plain: env.HALLEDGE_HTTP_PLAIN === '1',
    },
    tls: {
      hosts: env.HALLEDGE_TLS_HOSTS?.split(',').filter(Boolean),
      certFile: env.HALLEDGE_TLS_CERT,
      keyFile: env.HALLEDGE_TLS_KEY,
    },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void edge.stop().then(() => process.exit(0)));
} catch (err) {
  if (err instanceof VenueConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}
