// Shared by the sync tests and the bench: a city platform simulator on loopback, and venue data dirs set up to
// forward to it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { type PlatformHttpServer, startPlatformHttp } from '../city/http-server.ts';
import { CityPlatform } from '../city/platform.ts';
import { AlarmEngine } from '../edge/alerts/alarms.ts';
import { defaultKeysDir } from '../edge/keys-dir.ts';
import type { SessionInput } from '../edge/sessions/model.ts';
import { openDatabase } from '../edge/store/database.ts';
import { EventLog } from '../edge/store/event-log.ts';
import { resolveSyncConfig, type SyncConfig, syncConfigFile } from '../edge/sync/config.ts';
import { HttpTransport } from '../edge/sync/http-transport.ts';
import { loadOrCreateVenueKey, platformKeyFile } from '../edge/sync/keys.ts';
import { type BatchSigner, Outbox } from '../edge/sync/outbox.ts';
import { tempDir } from './venue-harness.ts';

/** Timings for tests: small batches, short timeouts and backoff, so faults resolve in milliseconds. */
export const FAST: Omit<SyncConfig, 'transport' | 'url'> = {
  batchSize: 50,
  lingerMs: 5,
  requestTimeoutMs: 1000,
  retry: { baseMs: 10, maxMs: 200 },
  pullMs: 100,
};

export interface TestPlatform {
  platform: CityPlatform;
  http: PlatformHttpServer;
  stop(): Promise<void>;
}

export async function startTestPlatform(dir = tempDir('halledge-platform-')): Promise<TestPlatform> {
  const platform = new CityPlatform({ dbFile: join(dir, 'platform.db') });
  const http = await startPlatformHttp(platform);
  return {
    platform,
    http,
    async stop() {
      await http.close();
      platform.close();
    },
  };
}

/** Writes sync.json and the platform's public key into a venue data dir, as an installer would. */
export function configureSync(
  dataDir: string,
  platform: CityPlatform,
  config: Partial<SyncConfig> & Pick<SyncConfig, 'url'>,
): void {
  // The platform's public key goes where the venue's edge keeps its keys (beside the data, edge/keys-dir.ts).
  const keysDir = defaultKeysDir(dataDir);
  mkdirSync(join(keysDir, 'sync'), { recursive: true });
  writeFileSync(platformKeyFile(keysDir), platform.publicKeyPem);
  writeFileSync(syncConfigFile(dataDir), JSON.stringify({ transport: 'http', ...FAST, ...config }, null, 2));
}

/** An outbox straight over a venue's event log (no venue runtime); registered with the platform if given. */
export function outboxOver(
  venue: string,
  platformUrl: string,
  options: { platform?: CityPlatform; dataDir?: string; config?: Partial<SyncConfig>; batchSigner?: BatchSigner } = {},
) {
  const dataDir = options.dataDir ?? tempDir('halledge-outbox-');
  const db = openDatabase(join(dataDir, 'halledge.db'));
  const log = new EventLog(db, venue);
  const alarms = new AlarmEngine(log);
  const key = loadOrCreateVenueKey(dataDir);
  options.platform?.registerVenue(venue, key.publicKeyPem);
  const config = resolveSyncConfig({ transport: 'http', url: platformUrl, ...FAST, ...options.config }, dataDir);
  const transport = new HttpTransport({
    url: config.url,
    venue,
    privateKey: key.privateKey,
    requestTimeoutMs: config.requestTimeoutMs,
  });
  const outbox = new Outbox(log, {
    venue,
    key,
    ...(options.batchSigner ? { batchSigner: options.batchSigner } : {}),
    transport,
    alarms,
    logger: pino({ level: 'silent' }),
    batchSize: config.batchSize,
    lingerMs: config.lingerMs,
    retry: config.retry,
    lagAlarm: config.lagAlarm,
    lagCheckMs: 50,
  });
  return {
    dataDir,
    db,
    log,
    alarms,
    key,
    outbox,
    /** Stops the outbox and closes the database (a venue going down). */
    async close() {
      const stopped = outbox.stop();
      await transport.close();
      await stopped;
      db.close();
    },
  };
}

/** A day's schedule as the expert-draw system sends it: pseudonymous experts, optionally a remote session. */
export function drawnSchedule(
  venue: string,
  options: { count?: number; start?: number; remoteFrom?: string; experts?: number } = {},
) {
  const start = options.start ?? Date.now() + 2 * 3600_000;
  const sessions: SessionInput[] = Array.from({ length: options.count ?? 1 }, (_, i) => ({
    id: `${venue.toUpperCase()}-${i + 1}`,
    transactionCode: `TX-${venue}-${i + 1}`,
    project: { code: `P-${venue}-${i + 1}`, name: `${venue} 项目 ${i + 1}` },
    room: 'room-1',
    start: start + i * 4 * 3600_000,
    end: start + i * 4 * 3600_000 + 3 * 3600_000,
    experts: Array.from({ length: options.experts ?? 3 }, (_, k) => ({ pseudonym: `EX-${venue}-${i + 1}-${k + 1}` })),
  }));
  if (options.remoteFrom) {
    sessions.push({
      id: `REMOTE-${options.remoteFrom.toUpperCase()}-1`,
      transactionCode: `TX-${options.remoteFrom}-remote-1`,
      project: { code: `P-${options.remoteFrom}-remote`, name: '远程异地评标项目' },
      room: 'room-2',
      start,
      end: start + 3 * 3600_000,
      experts: [{ pseudonym: `EX-${venue}-remote-1` }, { pseudonym: `EX-${venue}-remote-2` }],
      remote: { hostVenue: options.remoteFrom, hostRoom: 'room-1' },
    });
  }
  return { sessions };
}
