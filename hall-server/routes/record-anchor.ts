import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { VenueContext } from '../../edge/context.ts';

/**
 * The record's anchors: GET /api/record (head, checkpoints, receipts, degraded or not) and the administrator's
 * acknowledgement of a loss the start-up check found (docs/record.md).
 */
export const recordAnchorRoutes =
  (ctx: VenueContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/record',
      {
        schema: {
          tags: ['record'],
          summary: 'The record: its head, last signed checkpoint, last city receipt, and whether it is degraded',
        },
      },
      async () => ({ head: ctx.log.head, ...ctx.anchor.status() }),
    );

    app.post(
      '/api/record/acknowledge-loss',
      {
        config: { roles: ['administrator'] },
        schema: {
          tags: ['record'],
          summary:
            'Administrator: accept that the record lost what its last checkpoint held; recorded, then signed again',
          body: T.Object({
            by: T.String({ minLength: 1, description: 'who acknowledges (the signed-in administrator)' }),
            reason: T.String({ minLength: 1, maxLength: 2000, description: 'what happened, for the record' }),
          }),
        },
      },
      async (req, reply) => {
        if (!ctx.anchor.degraded) return reply.code(409).send({ error: 'the record is not degraded' });
        await ctx.anchor.acknowledgeLoss(req.body.by, req.body.reason);
        return { head: ctx.log.head, ...ctx.anchor.status() };
      },
    );
  };
