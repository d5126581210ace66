import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { VenueContext } from '../../edge/context.ts';
import { exportEvidence } from '../../edge/evidence/export-evidence.ts';
import { sm2PublicKeyPemIn } from '../../edge/store/suites.ts';
import { loadOrCreateVenueKey, platformKeyFile } from '../../edge/sync/keys.ts';
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
        await ctx.anchor.checkpoint();
        const status = ctx.anchor.status();
        const platformKey = platformKeyFile(ctx.keysDir);
        const { zip, manifest } = await exportEvidence(
          {
            db: ctx.db,
            dataDir: ctx.dataDir,
            venue: ctx.venue.id,
            key: loadOrCreateVenueKey(ctx.keysDir),
            platformKeyPem: existsSync(platformKey) ? readFileSync(platformKey, 'utf8') : null,
            checkpointKeyPem: sm2PublicKeyPemIn(ctx.keysDir),
            checkpointFile: status.checkpointFile,
            receiptFile: status.receiptFile,
          },
          req.params.id,
          req.user!.username,
        );
        ctx.log.append({
          type: 'evidence.exported',
          session: req.params.id,
          actor: req.user!.username,
          data: {
            sha256: createHash('sha256').update(zip).digest('hex'),
            bytes: zip.length,
            events: manifest.events.length,
            footage: manifest.footage.length,
            calls: manifest.calls.length,
          },
        });
        return reply
          .type('application/zip')
          .header('content-disposition', `attachment; filename="evidence-${req.params.id}.zip"`)
          .send(Buffer.from(zip));
      },
    );
  };
