import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Venue } from '../config/schema.ts';
import { loadVenue, venueFile } from '../config/venue-loader.ts';
import { buildHallServer } from '../hall-server/server.ts';
import { AlarmEngine } from './alerts/alarms.ts';
import type { Bus } from './bus/bus.ts';
import { credentialMatches, deviceCredential, EDGE_USERNAME, loadOrCreateSecret } from './bus/credentials.ts';
import { DeviceGateway } from './bus/device-gateway.ts';
import { EmbeddedBroker } from './bus/embedded-broker.ts';
import { ExternalBus } from './bus/external-bus.ts';
import type { VenueContext } from './context.ts';
import { DeviceRegistry } from './registry/device-registry.ts';
import { startServices, type VenueServices } from './services.ts';
import { anchorFiles } from './store/anchors.ts';
import { DEFAULT_CHECKPOINTS, RecordAnchor } from './store/checkpoints.ts';
import { openDatabase } from './store/database.ts';
import { EventLog } from './store/event-log.ts';
import { checkpointSigner, loadOrCreateSm2Key, signatureCheck } from './store/suites.ts';
import { loadSyncConfig } from './sync/config.ts';
import { loadOrCreateVenueKey, loadPlatformKey, platformKeyFile } from './sync/keys.ts';

export type BusOptions =
  | { kind: 'embedded'; host?: string; port?: number; wsPort?: number | null }
  | { kind: 'external'; url: string; deviceUrl?: string };

export interface StartVenueOptions {
  /** A venue id from config/venues, a path to a venue file, or a parsed venue (tests). */
  venue: string | Venue;
  dataDir: string;
  bus?: BusOptions;
  http?: { host?: string; port?: number };
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

function createBus(venue: Venue, secret: Buffer, options: BusOptions): Bus {
  if (options.kind === 'external') {
    return new ExternalBus({
      url: options.url,
      deviceUrl: options.deviceUrl,
      username: EDGE_USERNAME,
      password: deviceCredential(secret, venue.id, EDGE_USERNAME),
      clientId: `${EDGE_USERNAME}-${venue.id}`,
    });
  }
  const kinds = new Map<string, string>(venue.devices.map((d) => [d.id, d.kind]));
  return new EmbeddedBroker({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 1883,
    wsPort: options.wsPort === undefined ? 8883 : options.wsPort,
    authenticate: (username, password) => {
      if (!credentialMatches(secret, venue.id, username, password)) return null;
      if (username === EDGE_USERNAME) return { role: 'edge', venue: venue.id };
      const kind = kinds.get(username);
      return kind ? { role: 'device', venue: venue.id, kind, deviceId: username } : null;
    },
  });
}

/**
 * The record's checkpoints, signed with the venue key (the one sync batches are signed with) or, in the 国密 suite,
 * the venue's SM2 key; kept in the venue file's anchor directory or the data directory; receipts checked with
 * the platform key when the venue has it.
 */
function createRecordAnchor(venue: Venue, dataDir: string, log: EventLog, alarms: AlarmEngine, logger: Logger) {
  const privateKeyPem =
    venue.record?.suite === 'sm2-sm3'
      ? loadOrCreateSm2Key(dataDir)
      : loadOrCreateVenueKey(dataDir).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const platformKeyPath = loadSyncConfig(dataDir)?.platformKey ?? platformKeyFile(dataDir);
  const files = anchorFiles(venue.record?.anchorDir ?? dataDir);
  return new RecordAnchor(log, {
    venue: venue.id,
    signer: checkpointSigner(privateKeyPem),
    platformKey: existsSync(platformKeyPath) ? signatureCheck(loadPlatformKey(platformKeyPath)) : null,
    checkpointFile: files.checkpoints,
    receiptFile: files.receipts,
    settings: {
      everyEvents: venue.record?.checkpointEveryEvents ?? DEFAULT_CHECKPOINTS.everyEvents,
      everySeconds: venue.record?.checkpointEverySeconds ?? DEFAULT_CHECKPOINTS.everySeconds,
    },
    alarms,
    logger,
  });
}

/** Starts one venue: store, alarms, device registry, bus, gateway, modules and the hall server. */
export async function startVenue(options: StartVenueOptions): Promise<VenueRuntime> {
  const venue = resolveVenue(options.venue);
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const db = openDatabase(join(options.dataDir, 'halledge.db'));
  const log = new EventLog(db, venue.id);
  const alarms = new AlarmEngine(log);
  // Compares the log with its last signed checkpoint before anything else is recorded.
  const anchor = createRecordAnchor(venue, options.dataDir, log, alarms, logger);
  anchor.start();
  const registry = new DeviceRegistry(venue, log, alarms);
  const secret = loadOrCreateSecret(join(options.dataDir, 'device-secret'));
  const bus = createBus(venue, secret, options.bus ?? { kind: 'embedded' });
  const gateway = new DeviceGateway(bus, venue.id, registry, log, (err, topic) =>
    logger.error({ err, topic }, 'device message handler failed'),
  );
  const context: VenueContext = {
    venue,
    dataDir: options.dataDir,
    db,
    log,
    anchor,
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
  const server = await buildHallServer(context, services, { logger });
  const httpUrl = await server.listen({
    host: options.http?.host ?? '127.0.0.1',
    port: options.http?.port ?? 8080,
  });
  log.append({ type: 'edge.started', actor: 'system', data: { bus: bus.deviceUrl, http: httpUrl } });
  logger.info({ venue: venue.id, http: httpUrl, mqtt: bus.deviceUrl, mqttWs: bus.deviceWsUrl }, 'venue edge started');

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
      // The shutdown checkpoint covers everything, edge.stopped included.
      await anchor.stop();
      db.close();
      logger.info({ venue: venue.id }, 'venue edge stopped');
    },
  };
}
