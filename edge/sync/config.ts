import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Static, Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { describeSchemaError, StringEnum } from '../../config/json-schema.ts';
import { platformKeyFile } from './keys.ts';

const Ms = (description: string, minimum = 1) => T.Integer({ minimum, description });

/** `<dataDir>/sync.json`: where and how the venue forwards its record. Absent file = sync off. */
export const SyncConfig = T.Object(
  {
    transport: StringEnum(['http', 'mqtt'], { description: 'HTTPS to the platform (default) or an MQTT broker' }),
    /** https://platform.city/… for http; mqtt(s)://broker:port for mqtt. */
    url: T.String({ pattern: '^(https?|mqtts?)://', description: 'platform base URL or broker URL' }),
    username: T.Optional(T.String({ description: 'MQTT broker user' })),
    password: T.Optional(T.String({ description: 'MQTT broker password' })),
    /** Path of the platform's Ed25519 public key (SPKI PEM); default <dataDir>/sync/platform-ed25519.pub. */
    platformKey: T.Optional(T.String({ minLength: 1 })),
    /** One-time enrolment token from the city administrator: registers the venue's public key on first start. */
    enrolToken: T.Optional(T.String({ minLength: 8 })),
    batchSize: T.Optional(T.Integer({ minimum: 1, maximum: 20_000, description: 'events per batch at most' })),
    /** Wait this long after an event before sending, so a burst goes up as one batch. */
    lingerMs: T.Optional(Ms('ms to gather events before sending', 0)),
    requestTimeoutMs: T.Optional(Ms('ms before a request without an answer is given up and retried')),
    retry: T.Optional(
      T.Object({ baseMs: Ms('first retry delay'), maxMs: Ms('longest retry delay') }, { additionalProperties: false }),
    ),
    /** How often the venue asks for new downlink messages (http) — mqtt receives them as they are published. */
    pullMs: T.Optional(Ms('ms between downlink pulls')),
    /**
     * The edge↔hub link (edge/sync/city-link.ts): a WebSocket to the hub for remote sessions and downlink pushed
     * at once. Default on with the http transport; the mqtt transport has none.
     */
    link: T.Optional(T.Boolean({ description: 'keep a WebSocket link to the hub (http transport only)' })),
    lagAlarm: T.Optional(
      T.Object(
        {
          events: T.Integer({ minimum: 1, description: 'unacknowledged events that raise sync-lag' }),
          seconds: T.Integer({ minimum: 1, description: 'age of the oldest unacknowledged event that raises it' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SyncConfig = Static<typeof SyncConfig>;

/** Every option with its value: what the outbox and transports read. */
export interface ResolvedSyncConfig extends SyncConfig {
  platformKey: string;
  batchSize: number;
  lingerMs: number;
  requestTimeoutMs: number;
  retry: { baseMs: number; maxMs: number };
  pullMs: number;
  link: boolean;
  lagAlarm: { events: number; seconds: number };
}

export const syncConfigFile = (dataDir: string) => join(dataDir, 'sync.json');

export class SyncConfigError extends Error {}

const validate = new Ajv({ allErrors: false, strict: false }).compile<SyncConfig>(SyncConfig);

/** `keysDir`: where the platform's public key is unless the config names it (edge/keys-dir.ts). */
export function resolveSyncConfig(raw: unknown, keysDir: string, source = 'sync config'): ResolvedSyncConfig {
  if (!validate(raw)) throw new SyncConfigError(`${source}: ${describeSchemaError(validate.errors![0]!)}`);
  return {
    ...raw,
    platformKey: raw.platformKey ?? platformKeyFile(keysDir),
    batchSize: raw.batchSize ?? 5000,
    lingerMs: raw.lingerMs ?? 200,
    requestTimeoutMs: raw.requestTimeoutMs ?? 30_000,
    retry: raw.retry ?? { baseMs: 1000, maxMs: 60_000 },
    pullMs: raw.pullMs ?? 30_000,
    link: raw.link ?? raw.transport === 'http',
    lagAlarm: raw.lagAlarm ?? { events: 50_000, seconds: 900 },
  };
}

/** Reads `<dataDir>/sync.json`; null if there is none (this venue does not forward). */
export function loadSyncConfig(dataDir: string, keysDir: string): ResolvedSyncConfig | null {
  const file = syncConfigFile(dataDir);
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SyncConfigError(`${file}: not JSON: ${(err as Error).message}`);
  }
  return resolveSyncConfig(raw, keysDir, file);
}
