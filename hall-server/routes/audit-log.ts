import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import type { VenueContext } from '../../edge/context.ts';
import { AUDIT_ACTIONS } from '../auth/audit-actions.ts';
import { auditTrail } from '../auth/audit-trail.ts';
import type { Role } from '../auth/roles.ts';

/** Who looks at who looked: auditors and administrators. */
const AUDIT_LOG_ROLES: readonly Role[] = ['auditor', 'administrator'];

/** The audit log viewer's query: who viewed, replayed, exported or saw names (hall-server/auth/audit-trail.ts). */
export const auditLogRoutes =
  (ctx: VenueContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/audit-log',
      {
        // Reading the audit trail is itself a privileged view (audit.viewed).
        config: { roles: AUDIT_LOG_ROLES, audit: true },
        schema: {
          tags: ['record'],
          summary: 'Who viewed, replayed, exported or saw names, newest first; filter by person, action, session, time',
          querystring: T.Object({
            actor: T.Optional(T.String({ minLength: 1, description: 'console username' })),
            action: T.Optional(T.Array(StringEnum(AUDIT_ACTIONS), { description: 'one or more (repeat the key)' })),
            session: T.Optional(T.String({ minLength: 1 })),
            from: T.Optional(T.Integer({ minimum: 0, description: 'epoch ms, inclusive' })),
            to: T.Optional(T.Integer({ minimum: 0, description: 'epoch ms, exclusive' })),
            before: T.Optional(T.Integer({ minimum: 1, description: 'older than this seq (next page)' })),
            limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 200 })),
          }),
        },
      },
      async (req) => {
        const { action, ...rest } = req.query;
        return auditTrail(ctx.db, { ...rest, actions: action });
      },
    );
  };
