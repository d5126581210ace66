import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Venue } from '../config/schema.ts';
import { loadVenue, venueFile } from '../config/venue-loader.ts';
import { credentialMatches, deviceCredential, EDGE_USERNAME, loadOrCreateSecret } from '../devices/provisioning.ts';
import { AlarmEngine } from '../edge/alerts/alarms.ts';
import type { Bus } from '../edge/bus/bus.ts';
import { DeviceGateway } from '../edge/bus/device-gateway.ts';
import { clientIdOf, venueBusLimits } from '../edge/bus/device-limits.ts';
import { EmbeddedBroker } from '../edge/bus/embedded-broker.ts';
import { ExternalBus } from '../edge/bus/external-bus.ts';
import { GroupCommit } from '../edge/bus/group-commit.ts';
import { ClockWatch } from '../edge/clock/clock-watch.ts';
import type { VenueContext, VenueServices } from '../edge/context.ts';
import { type BusOptions, DEFAULT_MODULE_SETTINGS, type ModuleSettings } from '../edge/edge-config.ts';
import { defaultKeysDir, KEY_FILES, openKeysDir } from '../edge/keys-dir.ts';
import { edgeLogger } from '../edge/logger.ts';
import { VenueMetrics } from '../edge/metrics/venue-metrics.ts';
import { DeviceRegistry } from '../edge/registry/device-registry.ts';
import { stopWithin } from '../edge/shutdown-step.ts';
import { anchorFiles } from '../edge/store/anchors.ts';
import { DEFAULT_CHECKPOINTS, RecordAnchor } from '../edge/store/checkpoints.ts';
import { openDatabase } from '../edge/store/database.ts';
import { EventLog } from '../edge/store/event-log.ts';
import { ensurePrivateDir } from '../edge/store/private-files.ts';
import { chainFormatOf, checkpointSigner, loadOrCreateSm2Key, signatureCheck } from '../edge/store/suites.ts';
import { acquireWriterLock } from '../edge/store/writer-lock.ts';
import { loadSyncConfig } from '../edge/sync/config.ts';
import { loadOrCreateVenueKey, loadPlatformKey, platformKeyFile } from '../edge/sync/keys.ts';
import { edgeTls, isLoopback, type TlsSettings } from '../edge/tls/edge-tls.ts';
import type { EdgeTls } from '../edge/tls/venue-ca.ts';
import { buildHallServer } from '../hall-server/server.ts';
import { coreRoutes, startModules } from './modules.ts';

/** How long each step of a graceful stop may take: recorders finishing their segments take the longest. */
const STOP_DEADLINE_MS = { http: 5_000, bus: 10_000, module: 30_000, anchor: 10_000 };

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
  /** Prometheus scrape token for /metrics; none: /metrics is open (it carries no personal data). */
  metricsToken?: string;
  /** What the modules take from the machine's configuration (edge/edge-config.ts); defaults for what is left out. */
  settings?: PartialSettings;
  logger?: Logger;
}

export type PartialSettings = Partial<Omit<ModuleSettings, 'camera' | 'video'>> & {
  camera?: Partial<ModuleSettings['camera']>;
  video?: Partial<ModuleSettings['video']>;
};

function withDefaults(settings: PartialSettings = {}): ModuleSettings {
  const d = DEFAULT_MODULE_SETTINGS;
  return { ...d, ...settings, camera: { ...d.camera, ...settings.camera }, video: { ...d.video, ...settings.video } };
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

function createBus(venue: Venue, secret: Buffer, commit: GroupCommit, options: BusOptions, tls: EdgeTls | null): Bus {
  if (options.kind === 'external') {
    return new ExternalBus({
      url: options.url,
      deviceUrl: options.deviceUrl,
      username: EDGE_USERNAME,
      password: deviceCredential(secret, venue.id, EDGE_USERNAME),
      clientId: clientIdOf({ role: 'edge', venue: venue.id }),
      commit,
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
    commit,
    limits: venueBusLimits(venue.bus?.deviceLimits),
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

/**
 * The record's checkpoints, signed with the venue key (the one sync batches are signed with) or, in the 国密 suite,
 * the venue's SM2 key; kept in the venue file's anchor directory or the data directory; receipts checked with
 * the platform key when the venue has it.
 */
function createRecordAnchor(
  venue: Venue,
  dirs: { dataDir: string; keysDir: string },
  log: EventLog,
  alarms: AlarmEngine,
  logger: Logger,
) {
  const { dataDir, keysDir } = dirs;
  const privateKeyPem =
    venue.record?.suite === 'sm2-sm3'
      ? loadOrCreateSm2Key(keysDir)
      : loadOrCreateVenueKey(keysDir).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const platformKeyPath = loadSyncConfig(dataDir, keysDir)?.platformKey ?? platformKeyFile(keysDir);
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
  const httpHost = options.http?.host ?? '127.0.0.1';
  if (options.http?.plain && !isLoopback(httpHost))
    throw new Error(`plain HTTP is for loopback only (development, tests), not ${httpHost}: use HTTPS`);
  const logger = options.logger ?? edgeLogger({ level: 'info' });
  // A second edge on the same data directory stops here, before it opens the record (edge/store/writer-lock.ts).
  const lock = acquireWriterLock(options.dataDir);
  // Owner-only, both: the record and the faces are in one, the keys to them in the other.
  ensurePrivateDir(options.dataDir);
  const keysDir = options.keysDir ?? defaultKeysDir(options.dataDir);
  openKeysDir(keysDir, options.dataDir);
  const db = openDatabase(join(options.dataDir, 'halledge.db'));
  const log = new EventLog(db, venue.id, chainFormatOf(venue.record?.suite));
  const alarms = new AlarmEngine(log);
  // Compares the log with its last signed checkpoint before anything else is recorded.
  const anchor = createRecordAnchor(venue, { dataDir: options.dataDir, keysDir }, log, alarms, logger);
  anchor.start();
  const registry = new DeviceRegistry(venue, log, alarms);
  const clock = new ClockWatch({ log, alarms });
  const secret = loadOrCreateSecret(join(keysDir, KEY_FILES.deviceSecret));
  const busOptions = options.bus ?? { kind: 'embedded' };
  const needsTls =
    !options.http?.plain ||
    (busOptions.kind === 'embedded' && (busOptions.tlsPort != null || busOptions.wssPort != null));
  const bindHosts = [httpHost, ...(busOptions.kind === 'embedded' && busOptions.host ? [busOptions.host] : [])];
  const tls = needsTls ? await edgeTls(keysDir, venue.id, options.tls ?? {}, bindHosts) : null;
  // Device messages are acknowledged only after their events are committed, in batches (edge/bus/group-commit.ts).
  const commit = new GroupCommit((work) => log.transaction(work));
  const bus = createBus(venue, secret, commit, busOptions, tls);
  const gateway = new DeviceGateway(bus, venue.id, registry, log, (err, topic) =>
    logger.error({ err, topic }, 'device message handler failed'),
  );
  const context: VenueContext = {
    venue,
    dataDir: options.dataDir,
    keysDir,
    db,
    log,
    anchor,
    alarms,
    registry,
    bus,
    gateway,
    clock,
    settings: withDefaults(options.settings),
    logger,
    deviceCredential: (id) => deviceCredential(secret, venue.id, id),
  };
  const { services, routes } = startModules(context);
  const metrics = new VenueMetrics(context, services);
  gateway.observeHandled((kind, message, seconds) => metrics.observeHandler(kind, message, seconds));
  await gateway.start();
  if (bus instanceof EmbeddedBroker) await bus.start();
  if (bus instanceof ExternalBus) await bus.waitConnected();
  registry.start();
  clock.start();
  const server = await buildHallServer(context, services, {
    logger,
    https: options.http?.plain ? null : tls,
    routes: [...coreRoutes(metrics, options.metricsToken ?? null), ...routes],
  });
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
      // Order matters: stop taking requests, then stop the devices' bus, then the modules — the recorders among
      // them finish their open segments and index them — and only then settle the record and close the store.
      // A step that fails or hangs is logged and the others still stop, so none writes after the store closes.
      await stopWithin(
        logger,
        'http server',
        STOP_DEADLINE_MS.http,
        () => server.close(),
        () =>
          // Requests still open (an upload that never ends) are cut: the server's close then completes.
          server.server.closeAllConnections(),
      );
      registry.stop(); // before the bus: the last wills its closing fires are no device failures
      await stopWithin(logger, 'bus', STOP_DEADLINE_MS.bus, () => bus.close());
      for (const m of [...services.modules].reverse()) {
        await stopWithin(logger, `module ${m.name}`, STOP_DEADLINE_MS.module, () => m.stop?.());
      }
      clock.stop();
      metrics.stop();
      log.append({ type: 'edge.stopped', actor: 'system' });
      // The shutdown checkpoint covers everything, edge.stopped included.
      await stopWithin(logger, 'record anchor', STOP_DEADLINE_MS.anchor, () => anchor.stop());
      db.close();
      lock.release();
      logger.info({ venue: venue.id }, 'venue edge stopped');
    },
  };
}
