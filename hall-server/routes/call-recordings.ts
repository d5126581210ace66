import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { VenueContext } from '../../edge/context.ts';
import type { Role } from '../auth/roles.ts';

/** Calls are part of the session's record: the roles that replay its footage hear them (footage.ts REPLAY_ROLES). */
const REPLAY_ROLES: readonly Role[] = ['administrator', 'witness', 'auditor'];

/** A session's intercom call recordings for replay, found through their `intercom.recording` events; audited. */
export const callRecordingRoutes =
  (ctx: VenueContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/sessions/:id/calls/:call/recording',
      {
        config: { roles: REPLAY_ROLES, audit: true },
        schema: {
          tags: ['intercom'],
          summary: "One call's recording (Ogg Opus; left the station, right the console) of the session",
          params: T.Object({ id: T.String({ minLength: 1 }), call: T.String({ minLength: 1 }) }),
        },
      },
      async (req, reply) => {
        const { id, call } = req.params;
        const event = ctx.log
          .query({ session: id, type: 'intercom.recording', limit: 5000 })
          .find((e) => e.subject === call);
        const file = typeof event?.data.file === 'string' ? resolve(ctx.dataDir, event.data.file) : null;
        if (!file) return reply.code(404).send({ error: `call: no recording of call ${call} in session ${id}` });
        if (!existsSync(file)) return reply.code(410).send({ error: `call: the recording of call ${call} is gone` });
        return reply.type('audio/ogg').send(createReadStream(file));
      },
    );
  };
