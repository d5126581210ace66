import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Venue } from '../config/schema.ts';
import { loadVenue, venueFile } from '../config/venue-loader.ts';
import { deviceCredential, loadOrCreateSecret } from '../devices/provisioning.ts';
import { defaultKeysDir, KEY_FILES } from '../edge/keys-dir.ts';
import type { CameraFarm } from '../simulators/camera/camera-farm.ts';
import { tempDir } from './venue-harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const EDGE_ADMIN_PASSWORD = 'edge-process-admin';

/**
 * A real edge (`app/main.ts`, embedded broker on free ports) in its own process, as a venue runs it: for the crash
 * tests and the fault runs (faults/) that kill it.
 */
export interface EdgeProcess {
  proc: ChildProcess;
  pid: number;
  httpUrl: string;
  /** The embedded broker's device address. */
  mqttUrl: string;
  dataDir: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** GET as the bootstrap administrator. */
  get<T>(path: string): Promise<T>;
  /** SIGKILL: no shutdown code runs, as with a power cut of the process (the OS keeps what was written). */
  kill9(): Promise<void>;
  /** SIGTERM: the graceful stop. */
  stop(): Promise<void>;
}

/**
 * Starts the edge as `npm start` does (bin/halledge) on free ports, the venue written to a file of its own, data in
 * `dataDir`; `env` adds HALLEDGE_… settings, e.g. HALLEDGE_MQTT_URL for an external broker. Resolves once the edge
 * says it started (its pino line).
 */
export async function startEdgeProcess(
  venue: Venue,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<EdgeProcess> {
  const venueFile = join(tempDir('halledge-venue-'), `${venue.id}.yaml`);
  writeFileSync(venueFile, JSON.stringify(venue)); // JSON is YAML
  // As in production: bin/halledge, under the Node running the tests (Node 24 without tsx).
  const proc = spawn('sh', ['bin/halledge'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HALLEDGE_NODE: process.execPath,
      HALLEDGE_VENUE: venueFile,
      HALLEDGE_DATA: dataDir,
      HALLEDGE_HTTP_PORT: '0',
      // Plain HTTP on loopback (the edge defaults to HTTPS), free ports, no TLS listeners (8883/8084 by default).
      HALLEDGE_HTTP_PLAIN: '1',
      HALLEDGE_MQTT_PORT: '0',
      HALLEDGE_MQTT_WS_PORT: '0',
      HALLEDGE_MQTT_TLS_PORT: 'off',
      HALLEDGE_MQTT_WSS_PORT: 'off',
      HALLEDGE_ADMIN_PASSWORD: EDGE_ADMIN_PASSWORD,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((ok) => proc.once('exit', (code) => ok(code)));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const { http: httpUrl, mqtt: mqttUrl } = await new Promise<{ http: string; mqtt: string }>((ok, fail) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; http?: string; mqtt?: string };
        if (entry.msg === 'venue edge started' && entry.http && entry.mqtt) ok({ http: entry.http, mqtt: entry.mqtt });
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => fail(new Error(`edge exited (${code}) before it started: ${stderr}`)));
  });
  let token: string | undefined;
  const get = async <T>(path: string): Promise<T> => {
    if (!token) {
      const login = await fetch(`${httpUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: EDGE_ADMIN_PASSWORD }),
      });
      token = ((await login.json()) as { token: string }).token;
    }
    const response = await fetch(`${httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const end = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  return {
    proc,
    pid: proc.pid!,
    httpUrl,
    mqttUrl,
    dataDir,
    exited,
    get,
    kill9: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}

/**
 * A real edge recording one of qinshui's cameras (`camera`, addressed at the simulator `farm`) in `segmentS`
 * segments over the simulator's UDP relay, with data in `dataDir`.
 */
export function startRecordingEdge(
  farm: CameraFarm,
  camera: string,
  dataDir: string,
  { segmentS = 2, env = {} }: { segmentS?: number; env?: Record<string, string> } = {},
): Promise<EdgeProcess> {
  const venue = loadVenue(venueFile('qinshui'));
  const filmed = { ...venue.cameras.find((c) => c.id === camera)!, onvif: farm.deviceServiceUrl(camera) };
  return startEdgeProcess({ ...venue, cameras: [filmed] }, dataDir, {
    HALLEDGE_RECORD: '1',
    HALLEDGE_VIDEO_SEGMENT_S: String(segmentS),
    HALLEDGE_CAMERA_USER: farm.credentials.username,
    HALLEDGE_CAMERA_PASSWORD: farm.credentials.password,
    ...env,
  });
}

/** Reads the record the way an auditor would, from the file (read-only, beside the running edge: WAL). */
export function readRecord<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'halledge.db'), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Queries on an edge's database, each on its own read-only connection. */
export function edgeDatabase(dataDir: string) {
  return <T>(sql: string, ...params: unknown[]): T[] =>
    readRecord(dataDir, (db) => db.prepare(sql).all(...params) as T[]);
}

/** The venue's provisioning secret, in the key directory the edge keeps beside its data (edge/keys-dir.ts). */
export const deviceSecretFile = (dataDir: string) => join(defaultKeysDir(dataDir), KEY_FILES.deviceSecret);

/** The password a device of the venue uses (the edge derives it from that secret). */
export function devicePassword(dataDir: string, venue: string, deviceId: string): string {
  return deviceCredential(loadOrCreateSecret(deviceSecretFile(dataDir)), venue, deviceId);
}

/** Live processes (not zombies) whose command line writes into `dir`: the recorders of a camera's folder. */
export function processesWritingInto(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/`);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}
