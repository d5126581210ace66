import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { deviceCredential, loadOrCreateSecret } from '../edge/bus/credentials.ts';
import { defaultKeysDir, KEY_FILES } from '../edge/keys-dir.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A real edge (`npm start`, embedded broker on free ports) in its own process, to be killed as a crash would. */
export interface EdgeProcess {
  readonly child: ChildProcess;
  readonly mqttUrl: string;
  readonly dataDir: string;
  /** SIGKILL: no shutdown code runs, as with a power cut of the process (the OS keeps what was written). */
  kill9(): Promise<void>;
  /** SIGTERM: the graceful stop. */
  stop(): Promise<void>;
}

/**
 * Starts `app/main.ts` on the data directory and resolves once it logged that it started (its MQTT address).
 * `env`: more of its start-up variables, e.g. HALLEDGE_MQTT_URL for an external broker.
 */
export async function startEdgeProcess(
  dataDir: string,
  venue = 'qinshui',
  env: Record<string, string> = {},
): Promise<EdgeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'app/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      HALLEDGE_VENUE: venue,
      HALLEDGE_DATA: dataDir,
      HALLEDGE_HTTP_PORT: '0',
      HALLEDGE_MQTT_PORT: '0',
      HALLEDGE_MQTT_WS_PORT: '0',
      // Where the edge has TLS listeners and HTTPS by default (the hardening work), loopback plain only, no fixed
      // ports; an edge without them ignores these.
      HALLEDGE_MQTT_TLS_PORT: 'off',
      HALLEDGE_MQTT_WSS_PORT: 'off',
      HALLEDGE_HTTP_PLAIN: '1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const mqttUrl = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const entry = parseJson(line);
      if (entry?.msg === 'venue edge started') resolve(entry.mqtt as string);
    });
    child.once('exit', (code) => reject(new Error(`edge exited (${code}) before it started: ${stderr}`)));
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, mqttUrl, dataDir, kill9: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/** The password a device of the venue uses (the edge derives it from the data directory's secret). */
/** The venue's provisioning secret, in the key directory the edge keeps beside its data (edge/keys-dir.ts). */
export const deviceSecretFile = (dataDir: string) => join(defaultKeysDir(dataDir), KEY_FILES.deviceSecret);

export function devicePassword(dataDir: string, venue: string, deviceId: string): string {
  return deviceCredential(loadOrCreateSecret(deviceSecretFile(dataDir)), venue, deviceId);
}

/** Reads the record the way an auditor would, from the file (read-only; the edge may be running). */
export function readRecord<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'halledge.db'), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function parseJson(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
