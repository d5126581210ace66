// The hub's HTTP face (fastify). Core routes:
//   POST /v1/venues/{venue}/batches      a SignedBatch → BatchAnswer
//   POST /v1/venues/{venue}/checkpoints  a CheckpointSubmission → CheckpointAnswer (200 receipt, 409 refused)
//   GET  /v1/venues/{venue}/downlink?after=N   signed by the venue (verifyVenueRequest)
//   POST /v1/enrol                       {venue, publicKey, token}
//   GET  /v1/venues/{venue}/head         what the hub holds
//   GET  /v1/platform-key                the hub's public key (PEM)
// Features add their routes as plugins (HubRoutes), listed in city/hub-app.ts.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Fault, FaultPlan } from './faults.ts';
import type { CityHub, Reception } from './hub.ts';
import { verifyVenueRequest } from './venue-auth.ts';

/** A feature's routes on the hub (city/views/routes.ts, city/remote/routes.ts, …). */
export type HubRoutes = (app: FastifyInstance, hub: CityHub) => Promise<void>;

export interface HubHttpOptions {
  /** 0 (default) for any free port. */
  port?: number;
  /** Default 127.0.0.1; 0.0.0.0 behind a load balancer. */
  host?: string;
  plugins?: readonly HubRoutes[];
  logger?: FastifyBaseLogger;
  /** Injected batch faults (sync fault runs and tests only). */
  faults?: FaultPlan | null;
}

export interface HubHttpServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** A batch of 20 000 events (the most a venue sends at once) with room to spare. */
const BODY_LIMIT = 64 * 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startHubHttp(hub: CityHub, options: HubHttpOptions = {}): Promise<HubHttpServer> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: true,
    keepAliveTimeout: 5000,
  });
  // A body that is no JSON is answered in the sync protocol's shape, not fastify's.
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    return reply.code(status).send({ status: status < 500 ? 'rejected' : 'error', error: err.message });
  });
  coreRoutes(app, hub, options.faults ?? null);
  for (const plugin of options.plugins ?? []) await plugin(app, hub);
  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return { url: address.replace('[::1]', '127.0.0.1'), app, close: () => app.close() };
}

type VenueParams = { Params: { venue: string } };

function coreRoutes(app: FastifyInstance, hub: CityHub, faults: FaultPlan | null): void {
  const batchFaults = faults ? faultyBatches(faults) : null;
  app.post<VenueParams>(
    '/v1/venues/:venue/batches',
    batchFaults ? { preParsing: batchFaults.beforeBody } : {},
    async (req, reply) => {
      const { venue } = req.params;
      if ((req.body as { venue?: unknown } | null)?.venue !== venue)
        return reply.code(400).send({ status: 'rejected', error: `venue: batch is for another venue than ${venue}` });
      if (batchFaults) return batchFaults.answer(hub, req, reply);
      const { http, answer } = await hub.receive(req.body);
      return reply.code(http).send(answer);
    },
  );
  app.post<VenueParams>('/v1/venues/:venue/checkpoints', async (req, reply) => {
    const { venue } = req.params;
    if ((req.body as { checkpoint?: { venue?: unknown } } | null)?.checkpoint?.venue !== venue)
      return reply.code(400).send({ status: 'refused', error: `checkpoint.venue: not ${venue}` });
    const answer = await hub.notary.receive(req.body);
    return reply.code(answer.status === 'receipt' ? 200 : 409).send(answer);
  });
  app.get<VenueParams & { Querystring: { after?: string } }>('/v1/venues/:venue/downlink', async (req, reply) => {
    const { venue } = req.params;
    const denied = await verifyVenueRequest(hub, venue, req);
    if (denied) return reply.code(401).send({ error: denied });
    return { messages: await hub.downlinkAfter(venue, Number(req.query.after ?? '0')) };
  });
  app.get<VenueParams>('/v1/venues/:venue/head', (req) => hub.head(req.params.venue));
  app.post('/v1/enrol', async (req, reply) => {
    const result = await hub.enrol(req.body);
    return reply.code(result.http).send(result.error ? { error: result.error } : { enrolled: true });
  });
  app.get('/v1/platform-key', (_req, reply) => reply.type('application/x-pem-file').send(hub.publicKeyPem));
}

/** The batch route under a FaultPlan: a fault is drawn per request, before its body arrives. */
function faultyBatches(faults: FaultPlan) {
  const drawn = new WeakMap<FastifyRequest, Fault | null>();
  return {
    async beforeBody(req: FastifyRequest, _reply: FastifyReply, payload: NodeJS.ReadableStream) {
      const fault = faults.next((req.params as { venue: string }).venue);
      drawn.set(req, fault);
      // The connection breaks while the batch is still arriving: nothing is stored.
      if (fault?.kind === 'drop' && !fault.afterStore) payload.once('data', () => req.raw.socket.destroy());
      return payload;
    },
    async answer(hub: CityHub, req: FastifyRequest<VenueParams>, reply: FastifyReply) {
      const { venue } = req.params;
      const fault = drawn.get(req) ?? null;
      if (fault?.kind === 'refuse')
        return reply.code(fault.status).header('retry-after', String(fault.retryAfterS)).send({ error: 'hub busy' });
      if (fault?.kind === 'timeout' && !fault.afterStore) return reply.hijack(); // the venue gives up
      const stale = faults.previousAck(venue);
      const reception: Reception = await hub.receive(req.body);
      faults.remember(venue, reception.answer);
      if (fault?.kind === 'timeout') return reply.hijack(); // stored, but the answer never comes
      if (fault?.kind === 'drop') {
        reply.hijack();
        return void req.raw.socket.destroy(); // stored, then the connection breaks
      }
      if (fault?.kind === 'slow') await sleep(fault.ms);
      if (fault?.kind === 'duplicate-ack' && stale) return reply.code(200).send(stale);
      return reply.code(reception.http).send(reception.answer);
    },
  };
}
