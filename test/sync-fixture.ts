// Shared by the sync tests and the bench: the city hub on loopback (SQLite in a temp dir, or a given store),
// and venue data dirs set up to forward to it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { FaultPlan } from '../city/faults.ts';
import type { CityHub, StoreConfig } from '../city/hub.ts';
import { type RunningHub, startHub } from '../city/hub-app.ts';
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

export interface TestHub extends RunningHub {
  /** Faults to inject into batch requests (none unless a test queues some). */
  faults: FaultPlan;
  /** Where its key is (and its SQLite file, unless another store was given): start it again from here. */
  dir: string;
  store: StoreConfig;
}

/** A hub on loopback over SQLite in `dir`, or over the given store; faults injectable. */
export async function startTestHub(
  options: { dir?: string; store?: StoreConfig; port?: number; operatorToken?: string } = {},
): Promise<TestHub> {
  const faults = new FaultPlan();
  const dir = options.dir ?? tempDir('halledge-hub-');
  const store = options.store ?? { sqlite: join(dir, 'hub.db') };
  const running = await startHub({
    store,
    keyFile: join(dir, 'hub.key'),
    http: { port: options.port ?? 0 },
    faults,
    ...(options.operatorToken ? { operatorToken: options.operatorToken } : {}),
  });
  return { ...running, faults, dir, store };
}

/** Writes sync.json and the hub's public key into a venue data dir, as an installer would. */
export function configureSync(
  dataDir: string,
  hub: CityHub,
  config: Partial<SyncConfig> & Pick<SyncConfig, 'url'>,
): void {
  // The hub's public key goes where the venue's edge keeps its keys (beside the data, edge/keys-dir.ts).
  const keysDir = defaultKeysDir(dataDir);
  mkdirSync(join(keysDir, 'sync'), { recursive: true });
  writeFileSync(platformKeyFile(keysDir), hub.publicKeyPem);
  writeFileSync(syncConfigFile(dataDir), JSON.stringify({ transport: 'http', ...FAST, ...config }, null, 2));
}

/** An outbox straight over a venue's event log (no venue runtime); registered with the hub if given. */
export async function outboxOver(
  venue: string,
  hubUrl: string,
  options: { hub?: CityHub; dataDir?: string; config?: Partial<SyncConfig>; batchSigner?: BatchSigner } = {},
) {
  const dataDir = options.dataDir ?? tempDir('halledge-outbox-');
  const db = openDatabase(join(dataDir, 'halledge.db'));
  const log = new EventLog(db, venue);
  const alarms = new AlarmEngine(log);
  const key = loadOrCreateVenueKey(dataDir);
  await options.hub?.registerVenue(venue, key.publicKeyPem);
  const config = resolveSyncConfig({ transport: 'http', url: hubUrl, ...FAST, ...options.config }, dataDir);
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
