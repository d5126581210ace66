// The hub's composition root: store, key, HTTP with every feature's routes, and the MQTT bridge when venues
// reach the hub through a broker. Used by the CLI (npm run city), the tests and the bench.
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { FaultPlan } from './faults.ts';
import { type HubHttpServer, type HubRoutes, startHubHttp } from './http-server.ts';
import { CityHub, type StoreConfig } from './hub.ts';
import { connectHubMqtt, type HubMqttBridge } from './mqtt-bridge.ts';
import { mediaRoutes } from './remote/media-routes.ts';
import { remoteRoutes } from './remote/routes.ts';
import { cityViewsRoutes } from './views/routes.ts';

/** WebSocket routes (live feeds, relays) need the plugin registered before them. */
async function websocketSupport(app: FastifyInstance): Promise<void> {
  await app.register(fastifyWebsocket);
}

/** Every feature's routes, once each; a feature adds its plugin here (city/views/routes.ts, city/remote/…). */
export const HUB_PLUGINS: readonly HubRoutes[] = [
  websocketSupport,
  // The city console: venues' state, today's sessions, open alarms, live alarm feed; city users (city/views).
  cityViewsRoutes,
];

export interface HubConfig {
  store: StoreConfig;
  /** The hub's Ed25519 key (PKCS8 PEM), created if missing; default a fresh key each start. */
  keyFile?: string;
  http?: { port?: number; host?: string };
  /** Broker URL when venues sync over MQTT (their own broker, or a clustered one). */
  mqtt?: string;
  /** With several hub processes on that broker: their shared-subscription group, so each request reaches one. */
  mqttShareGroup?: string;
  logger?: FastifyBaseLogger;
  rejectForbidden?: boolean;
  /** Injected batch faults, for the sync fault runs and tests; a production hub has none. */
  faults?: FaultPlan;
  /** Bearer token of the city operators who schedule remote sessions (POST /v1/remote-sessions); none: refused. */
  operatorToken?: string;
  /** Routes beside HUB_PLUGINS (tests). */
  plugins?: readonly HubRoutes[];
}

export interface RunningHub {
  hub: CityHub;
  http: HubHttpServer;
  url: string;
  /** Stops taking requests, lets batches in progress finish, then closes the store. */
  stop(): Promise<void>;
}

export async function startHub(config: HubConfig): Promise<RunningHub> {
  const hub = await CityHub.open({
    store: config.store,
    ...(config.keyFile ? { keyFile: config.keyFile } : {}),
    ...(config.rejectForbidden !== undefined ? { rejectForbidden: config.rejectForbidden } : {}),
  });
  let http: HubHttpServer | null = null;
  let bridge: HubMqttBridge | null = null;
  try {
    http = await startHubHttp(hub, {
      ...config.http,
      plugins: [
        ...HUB_PLUGINS,
        // Remote sessions: scheduling, the edge↔hub link, guest events relayed to the host (city/remote).
        remoteRoutes({ operatorToken: config.operatorToken ?? null }),
        // The guest room's live video, relayed host ⇄ guest over venue-signed sockets (city/remote/media-routes.ts).
        mediaRoutes,
        ...(config.plugins ?? []),
      ],
      ...(config.logger ? { logger: config.logger } : {}),
      faults: config.faults ?? null,
    });
    if (config.mqtt)
      bridge = await connectHubMqtt(hub, config.mqtt, {
        faults: config.faults ?? null,
        ...(config.mqttShareGroup ? { shareGroup: config.mqttShareGroup } : {}),
      });
  } catch (err) {
    await http?.close();
    await hub.close();
    throw err;
  }
  const server = http;
  return {
    hub,
    http: server,
    url: server.url,
    async stop() {
      await bridge?.close();
      await server.close();
      await hub.close();
    },
  };
}
