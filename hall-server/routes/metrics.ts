import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { VenueMetrics } from '../../edge/metrics/venue-metrics.ts';

/**
 * Prometheus' scrape endpoint, outside /api and its console sign-in. Metrics carry no personal data; where the
 * venue sets a scrape token, Prometheus must send it (`authorization: Bearer <token>`), as its scrape config can.
 */
export const metricsRoutes =
  (metrics: VenueMetrics, token: string | null): FastifyPluginAsync =>
  async (app) => {
    const expected = token ? Buffer.from(`Bearer ${token}`) : null;
    app.get(
      '/metrics',
      { schema: { tags: ['system'], summary: 'Prometheus metrics (docs/operations.md)' } },
      async (req, reply) => {
        if (expected) {
          const given = Buffer.from(req.headers.authorization ?? '');
          if (given.length !== expected.length || !timingSafeEqual(given, expected))
            return reply.code(401).send({ error: 'metrics need the scrape token (authorization: Bearer …)' });
        }
        return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      },
    );
  };
