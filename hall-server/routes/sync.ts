import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { VenueContext, VenueServices } from '../../edge/context.ts';

const REFUSAL_STATUS = { invalid: 400, 'wrong-venue': 409, 'no-platform-key': 503, 'bad-signature': 401 } as const;

export const syncRoutes =
  (_ctx: VenueContext, services: VenueServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['sync'];

    app.get(
      '/api/sync',
      {
        schema: {
          tags,
          summary: 'Upstream sync: acknowledged position, lag (events, seconds), state, counters, venue key',
        },
      },
      async () => services.sync.status(),
    );

    app.get(
      '/api/sync/public-key',
      { schema: { tags, summary: "The venue's Ed25519 public key (SPKI PEM), to register with the city platform" } },
      async (_req, reply) => reply.type('application/x-pem-file').send(services.sync.key.publicKeyPem),
    );

    app.post(
      '/api/sync/downlink',
      {
        schema: {
          tags,
          summary: 'A schedule pushed by the city platform (accepted only when signed by the platform key)',
          body: T.Unknown({ description: 'DownlinkEnvelope (edge/sync/wire.ts)' }),
        },
      },
      async (req, reply) => {
        // A signed-in caller (an administrator pasting a message) gets `by` filled in by the auth guard; the
        // platform signed the envelope without it.
        const { by: _by, ...envelope } = (req.body ?? {}) as Record<string, unknown>;
        const result = services.sync.receive(envelope, 'push');
        if (result.status === 'rejected') return reply.code(REFUSAL_STATUS[result.reason]).send(result);
        return result;
      },
    );
  };
