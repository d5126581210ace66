// Builds the AsyncAPI 3.0 document of the device contract from the TypeBox schemas: the schemas stay the one source.
// `npm run asyncapi` writes devices/asyncapi.json; a test fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { CONTRACTS } from './contracts.ts';
import { Ack, Heartbeat, Status } from './envelope.ts';

export const ASYNCAPI_FILE = fileURLToPath(new URL('./asyncapi.json', import.meta.url));

type Channel = {
  address: string;
  title: string;
  parameters: Record<string, { description: string }>;
  messages: Record<string, unknown>;
};

/** TypeBox adds symbol keys; JSON round-trip leaves plain JSON Schema. */
const plain = (schema: TSchema) => JSON.parse(JSON.stringify(schema));

export function buildAsyncApi(): Record<string, unknown> {
  const channels: Record<string, Channel> = {};
  const operations: Record<string, unknown> = {};
  const add = (
    kind: string,
    suffix: string,
    action: 'send' | 'receive',
    schema: TSchema,
    summary: string,
    retained = false,
  ) => {
    const key = `${kind}.${suffix.replace('/', '.')}`;
    channels[key] = {
      address: `hall/{venue}/${kind}/{deviceId}/${suffix}`,
      title: summary,
      parameters: {
        venue: { description: 'venue id, e.g. jincheng' },
        deviceId: { description: 'device id from the venue file; also its MQTT username' },
      },
      messages: {
        [key]: {
          name: key,
          contentType: 'application/json',
          payload: plain(schema),
          ...(retained ? { bindings: { mqtt: { retain: true } } } : {}),
        },
      },
    };
    operations[`${key}.${action}`] = {
      action,
      channel: { $ref: `#/channels/${key}` },
      summary,
      bindings: { mqtt: { qos: 1 } },
    };
  };
  for (const [kind, contract] of Object.entries(CONTRACTS)) {
    add(kind, 'status', 'send', Status, `${kind}: online/offline (retained; also the last will)`, true);
    add(kind, 'heartbeat', 'send', Heartbeat, `${kind}: heartbeat`);
    add(kind, 'ack', 'send', Ack, `${kind}: acknowledgement of a command`);
    if (contract.state) add(kind, 'state', 'send', contract.state, `${kind}: current state (retained)`, true);
    for (const [name, schema] of Object.entries(contract.events))
      add(kind, `event/${name}`, 'send', schema, `${kind}: ${schema.description ?? name}`);
    for (const [name, schema] of Object.entries(contract.commands))
      add(kind, `cmd/${name}`, 'receive', schema, `${kind}: ${schema.description ?? name}`);
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'HallEdge device contract',
      version: '1.0.0',
      description:
        'What every evaluation-zone device publishes and receives. Each device authenticates with its own ' +
        'credential and may publish only under hall/{venue}/{kind}/{deviceId}/ and subscribe only to its own cmd/#. ' +
        'Every command carries an id that the device acknowledges on .../ack. Every payload is validated; ' +
        'a malformed one is dropped and counted.',
    },
    defaultContentType: 'application/json',
    servers: {
      embedded: { host: 'edge.venue:1883', protocol: 'mqtt', description: 'the edge’s embedded broker (aedes)' },
      tls: {
        host: 'edge.venue:8883',
        protocol: 'mqtts',
        description: 'MQTT over TLS: the venue CA’s server certificate; a device may sign in with a client certificate',
      },
      websocket: {
        host: 'edge.venue:8083',
        protocol: 'ws',
        description: 'MQTT over WebSocket, for browser-based terminals',
      },
      secureWebsocket: { host: 'edge.venue:8084', protocol: 'wss', description: 'MQTT over secure WebSocket' },
    },
    channels,
    operations,
  };
}

export const renderAsyncApi = () => `${JSON.stringify(buildAsyncApi(), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(ASYNCAPI_FILE, renderAsyncApi());
  console.log(`wrote ${ASYNCAPI_FILE}`);
}
