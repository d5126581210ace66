import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import type { VenueContext } from '../../edge/context.ts';

const Transition = T.Object({
  by: T.String({ minLength: 1, description: 'who acts (console user id)' }),
  note: T.Optional(T.String({ maxLength: 1000 })),
});

export const alarmRoutes =
  (ctx: VenueContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/alarms',
      {
        schema: {
          tags: ['alarms'],
          querystring: T.Object({
            state: T.Optional(StringEnum(['open', 'raised', 'acknowledged', 'resolved'])),
            session: T.Optional(T.String()),
            kind: T.Optional(T.String()),
            level: T.Optional(T.Integer({ minimum: 1, maximum: 3 })),
          }),
        },
      },
      async (req) => ctx.alarms.list(req.query),
    );

    for (const action of ['acknowledge', 'resolve'] as const) {
      app.post(
        `/api/alarms/:id/${action}`,
        { schema: { tags: ['alarms'], params: T.Object({ id: T.String() }), body: Transition } },
        async (req) => {
          return ctx.alarms[action](req.params.id, req.body.by, req.body.note ?? null);
        },
      );
    }
  };
