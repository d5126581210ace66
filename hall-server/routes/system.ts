import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { VenueContext } from '../../edge/context.ts';

export const systemRoutes =
  (ctx: VenueContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Degraded (the record is behind or disagrees with its signed checkpoint) is still alive: the venue keeps working.
    app.get('/health', { schema: { tags: ['system'], summary: 'Liveness: the process answers' } }, async () =>
      ctx.anchor.degraded ? { status: 'degraded', record: ctx.anchor.status().loss } : { status: 'ok' },
    );

    app.get(
      '/ready',
      { schema: { tags: ['system'], summary: 'Readiness: the record is writable and the bus is up' } },
      async (_req, reply) => {
        const checks = {
          store: (() => {
            try {
              ctx.db.prepare('SELECT 1').get();
              return true;
            } catch {
              return false;
            }
          })(),
          bus: ctx.bus.connected,
        };
        const ready = checks.store && checks.bus;
        const record = ctx.anchor.degraded ? 'degraded' : 'ok';
        // The clock does not make the edge unready, but its state is what IT staff check first when timestamps look off.
        const clock = { verdict: ctx.clock.verdict.state, ...ctx.clock.reading };
        return reply.code(ready ? 200 : 503).send({ ready, checks, record, head: ctx.log.head, clock });
      },
    );

    app.get(
      '/api/venue',
      { schema: { tags: ['venue'], summary: 'The venue topology (from its venue file)' } },
      async () => ctx.venue,
    );

    app.get(
      '/api/bus',
      {
        schema: {
          tags: ['devices'],
          summary: 'Bus endpoints and message counters (received, accepted, malformed, unknown device, denied)',
          response: {
            200: T.Object({
              mqtt: T.String(),
              mqttWs: T.Union([T.String(), T.Null()]),
              mqtts: T.Union([T.String(), T.Null()]),
              mqttWss: T.Union([T.String(), T.Null()]),
              connected: T.Boolean(),
              stats: T.Record(T.String(), T.Integer()),
            }),
          },
        },
      },
      async () => ({
        mqtt: ctx.bus.deviceUrl,
        mqttWs: ctx.bus.deviceWsUrl,
        mqtts: ctx.bus.deviceTlsUrl,
        mqttWss: ctx.bus.deviceWssUrl,
        connected: ctx.bus.connected,
        stats: { ...ctx.gateway.stats },
      }),
    );
  };
