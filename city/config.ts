// The hub's config file (npm run city -- --config city.yaml), YAML or JSON:
//   store: { sqlite: data/city/hub.db } | { postgres: postgres://hub@db.example/city, poolSize: 20 }
//   key: data/city/hub.key          # the hub's Ed25519 key, created if missing
//   http: { port: 9400, host: 0.0.0.0 }
//   mqtt: mqtt://broker:1883        # when venues sync over MQTT
//   mqttShareGroup: city-hub        # several hub processes on that broker share its requests
//   register: { jincheng: keys/jincheng.pub }   # venue keys known out of band
//   enrol: [gaoping, qinshui]       # one-time enrolment tokens to print
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Static, Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describeSchemaError } from '../config/json-schema.ts';

const HubFileShape = T.Object(
  {
    store: T.Optional(
      T.Union([
        T.Object({ sqlite: T.String({ minLength: 1 }) }, { additionalProperties: false }),
        T.Object(
          { postgres: T.String({ pattern: '^postgres(ql)?://' }), poolSize: T.Optional(T.Integer({ minimum: 1 })) },
          { additionalProperties: false },
        ),
      ]),
    ),
    key: T.Optional(T.String({ minLength: 1 })),
    http: T.Optional(
      T.Object(
        { port: T.Optional(T.Integer({ minimum: 0, maximum: 65535 })), host: T.Optional(T.String({ minLength: 1 })) },
        { additionalProperties: false },
      ),
    ),
    mqtt: T.Optional(T.String({ pattern: '^mqtts?://' })),
    mqttShareGroup: T.Optional(T.String({ pattern: '^[A-Za-z0-9_-]+$' })),
    register: T.Optional(T.Record(T.String({ minLength: 1 }), T.String({ minLength: 1 }))),
    enrol: T.Optional(T.Array(T.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);
export type HubFileConfig = Static<typeof HubFileShape>;

const validate = new Ajv({ strict: false }).compile<HubFileConfig>(HubFileShape);

/** Reads and checks a config file; paths in it (SQLite file, key, venue keys) are relative to the file. */
export function loadHubConfigFile(file: string): HubFileConfig {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  if (!validate(raw)) {
    // A union's first error is rarely the helpful one: name the store when it is the store that is wrong.
    const error = validate.errors!.find((e) => !e.instancePath.startsWith('/store')) ?? validate.errors![0]!;
    const where = error.instancePath.startsWith('/store')
      ? '/store: expected { sqlite: file } or { postgres: postgres://… URL, poolSize? }'
      : describeSchemaError(error);
    throw new Error(`${file}: ${where}`);
  }
  const here = (path: string) => resolve(dirname(file), path);
  return {
    ...raw,
    ...(raw.store && 'sqlite' in raw.store ? { store: { sqlite: here(raw.store.sqlite) } } : {}),
    ...(raw.key ? { key: here(raw.key) } : {}),
    ...(raw.register
      ? { register: Object.fromEntries(Object.entries(raw.register).map(([venue, pem]) => [venue, here(pem)])) }
      : {}),
  };
}
