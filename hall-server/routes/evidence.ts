import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { VenueContext } from '../../edge/context.ts';
import { exportSessionEvidence } from '../../edge/evidence/session-export.ts';
import type { Role } from '../auth/roles.ts';

/** Handing the record over is for those who audit it and for the administrator. */
const EXPORT_ROLES: readonly Role[] = ['auditor', 'administrator'];

/**
 * The evidence package of one session (edge/evidence): a zip an auditor can verify offline. The edge signs a
 * checkpoint first, so every event of the session comes with an inclusion proof; the export itself is recorded
 * (`evidence.exported`, with the package's hash) beside the guard's `audit.action`.
 */
export const evidenceRoutes =
  (ctx: VenueContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/api/sessions/:id/evidence',
      {
        config: { roles: EXPORT_ROLES },
        schema: {
          tags: ['sessions'],
          summary: "Export a session's evidence package (zip with a signed manifest and an offline verifier)",
          params: T.Object({ id: T.String() }),
        },
      },
      async (req, reply) => {
        const { zip } = await exportSessionEvidence(ctx, req.params.id, req.user!.username);
        return reply
          .type('application/zip')
          .header('content-disposition', `attachment; filename="evidence-${req.params.id}.zip"`)
          .send(Buffer.from(zip));
      },
    );
  };
