import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Venue } from '../config/schema.ts';
import { loadVenue, venueFile } from '../config/venue-loader.ts';
import { buildHallServer } from '../hall-server/server.ts';
import { AlarmEngine } from './alerts/alarms.ts';
import type { ListenerPorts } from './bus/broker-listeners.ts';
import type { Bus } from './bus/bus.ts';
import { credentialMatches, deviceCredential, EDGE_USERNAME, loadOrCreateSecret } from './bus/credentials.ts';
import { DeviceGateway } from './bus/device-gateway.ts';
import { clientIdOf } from './bus/device-limits.ts';
import { EmbeddedBroker } from './bus/embedded-broker.ts';
import { ExternalBus } from './bus/external-bus.ts';
import type { VenueContext } from './context.ts';
import { defaultKeysDir, KEY_FILES, openKeysDir } from './keys-dir.ts';
import { edgeLogger } from './logger.ts';
import { DeviceRegistry } from './registry/device-registry.ts';
import { startServices, type VenueServices } from './services.ts';
import { openDatabase } from './store/database.ts';
import { EventLog } from './store/event-log.ts';
import { ensurePrivateDir } from './store/private-files.ts';
import { edgeTls, isLoopback, type TlsSettings } from './tls/edge-tls.ts';
import type { EdgeTls } from './tls/venue-ca.ts';

/** Embedded broker listeners: plain MQTT 1883 and WebSocket 8083 unless told, MQTTS and WSS when given a port. */
export type BusOptions =
  | ({ kind: 'embedded'; host?: string } & Partial<ListenerPorts>)
  | { kind: 'external'; url: string; deviceUrl?: string };

export interface StartVenueOptions {
  /** A venue id from config/venues, a path to a venue file, or a parsed venue (tests). */
  venue: string | Venue;
  dataDir: string;
  /** Where the key files live; `<dataDir>-keys` by default (edge/keys-dir.ts). */
  keysDir?: string;
  bus?: BusOptions;
  /** HTTPS unless `plain`, which only a loopback host may ask for (development and tests). */
  http?: { host?: string; port?: number; plain?: boolean };
  /** The server certificate for HTTPS, MQTTS and WSS (edge/tls/edge-tls.ts). */
  tls?: TlsSettings;
  logger?: Logger;
}

export interface VenueRuntime extends VenueContext {
  services: VenueServices;
  httpUrl: string;
  stop(): Promise<void>;
}

function resolveVenue(venue: string | Venue): Venue {
  if (typeof venue !== 'string') return venue;
  return loadVenue(venue.includes('/') || venue.endsWith('.yaml') ? venue : venueFile(venue));
}

function createBus(venue: Venue, secret: Buffer, options: BusOptions, tls: EdgeTls | null): Bus {
  if (options.kind === 'external') {
    return new ExternalBus({
      url: options.url,
      deviceUrl: options.deviceUrl,
      username: EDGE_USERNAME,
      password: deviceCredential(secret, venue.id, EDGE_USERNAME),
      clientId: clientIdOf({ role: 'edge', venue: venue.id }),
    });
  }
  const kinds = new Map<string, string>(venue.devices.map((d) => [d.id, d.kind]));
  return new EmbeddedBroker({
    host: options.host ?? '127.0.0.1',
    port: options.port === undefined ? 1883 : options.port,
    wsPort: options.wsPort === undefined ? 8083 : options.wsPort,
    tlsPort: options.tlsPort,
    wssPort: options.wssPort,
    tls,
    authenticate: (username, password, certifiedId) => {
      // A venue-CA client certificate proves the device; a username sent with it must name the same device.
      const id = certifiedId
        ? !username || username === certifiedId
          ? certifiedId
          : null
        : username && password && credentialMatches(secret, venue.id, username, password)
          ? username
          : null;
      if (id === EDGE_USERNAME && !certifiedId) return { role: 'edge', venue: venue.id };
      const kind = id && kinds.get(id);
      return id && kind ? { role: 'device', venue: venue.id, kind, deviceId: id } : null;
    },
  });
}

/** Starts one venue: store, alarms, device registry, bus, gateway, modules and the hall server. */
export async function startVenue(options: StartVenueOptions): Promise<VenueRuntime> {
  const venue = resolveVenue(options.venue);
  const httpHost = options.http?.host ?? '127.0.0.1';
  if (options.http?.plain && !isLoopback(httpHost))
    throw new Error(`plain HTTP is for loopback only (development, tests), not ${httpHost}: use HTTPS`);
  const logger = options.logger ?? edgeLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  // Owner-only, both: the record and the faces are in one, the keys to them in the other.
  ensurePrivateDir(options.dataDir);
  const keysDir = options.keysDir ?? defaultKeysDir(options.dataDir);
  openKeysDir(keysDir, options.dataDir);
  const db = openDatabase(join(options.dataDir, 'halledge.db'));
  const log = new EventLog(db, venue.id);
  const alarms = new AlarmEngine(log);
  const registry = new DeviceRegistry(venue, log, alarms);
  const secret = loadOrCreateSecret(join(keysDir, KEY_FILES.deviceSecret));
  const busOptions = options.bus ?? { kind: 'embedded' };
  const needsTls =
    !options.http?.plain ||
    (busOptions.kind === 'embedded' && (busOptions.tlsPort != null || busOptions.wssPort != null));
  const bindHosts = [httpHost, ...(busOptions.kind === 'embedded' && busOptions.host ? [busOptions.host] : [])];
  const tls = needsTls ? await edgeTls(keysDir, venue.id, options.tls ?? {}, bindHosts) : null;
  const bus = createBus(venue, secret, busOptions, tls);
  const gateway = new DeviceGateway(bus, venue.id, registry, log, (err, topic) =>
    logger.error({ err, topic }, 'device message handler failed'),
  );
  const context: VenueContext = {
    venue,
    dataDir: options.dataDir,
    keysDir,
    db,
    log,
    alarms,
    registry,
    bus,
    gateway,
    logger,
    deviceCredential: (id) => deviceCredential(secret, venue.id, id),
  };
  const services = await startServices(context);
  await gateway.start();
  if (bus instanceof EmbeddedBroker) await bus.start();
  if (bus instanceof ExternalBus) await bus.waitConnected();
  registry.start();
  const server = await buildHallServer(context, services, { logger, https: options.http?.plain ? null : tls });
  const httpUrl = await server.listen({ host: httpHost, port: options.http?.port ?? 8080 });
  log.append({ type: 'edge.started', actor: 'system', data: { bus: bus.deviceUrl, http: httpUrl } });
  logger.info(
    { venue: venue.id, http: httpUrl, mqtt: bus.deviceUrl, mqttWs: bus.deviceWsUrl, mqtts: bus.deviceTlsUrl },
    'venue edge started',
  );

  let stopped = false;
  return {
    ...context,
    services,
    httpUrl,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Order matters: stop taking requests, then stop the devices' bus, then settle the record.
      await server.close();
      await bus.close();
      for (const m of [...services.modules].reverse()) await m.stop?.();
      registry.stop();
      log.append({ type: 'edge.stopped', actor: 'system' });
      db.close();
      logger.info({ venue: venue.id }, 'venue edge stopped');
    },
  };
}
