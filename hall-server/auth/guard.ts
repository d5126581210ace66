import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EventLog } from '../../edge/store/event-log.ts';
import { type AccessRule, accessRule, isRead } from './policy.ts';
import type { ConsoleUser } from './roles.ts';
import type { UserStore } from './user-store.ts';

export const SESSION_COOKIE = 'halledge_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in console user, or null (open routes). */
    user: ConsoleUser | null;
    /** The session token the request came with, if any. */
    sessionToken: string | null;
    accessRule: AccessRule | null;
  }
}

export interface GuardOptions {
  users: UserStore;
  log: EventLog;
}

function tokenOf(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim() || null;
  return req.cookies[SESSION_COOKIE] ?? null;
}

/** What a request named as its actor: `by` in the JSON body or the query. */
function claimedActor(req: FastifyRequest): { where: 'body' | 'querystring'; value: unknown } | null {
  const body = req.body as Record<string, unknown> | null | undefined;
  if (body && typeof body === 'object' && !Array.isArray(body)) return { where: 'body', value: body.by };
  const query = req.query as Record<string, unknown>;
  return 'by' in query ? { where: 'querystring', value: query.by } : null;
}

/**
 * Signs requests in and guards every /api route by role (see policy.ts). Register before the routes.
 * - A session token comes in the `halledge_session` cookie (the console) or `Authorization: Bearer` (tools).
 * - A route's `by` (who acts, recorded in the event log) must be the signed-in user; when left out it is filled
 *   in, so the console never sends it and nobody can act under another's name.
 * - Privileged views and every change by a user are events: `audit.viewed`, `audit.action`, `audit.denied`.
 */
export async function installAuthGuard(app: FastifyInstance, options: GuardOptions): Promise<void> {
  const { users, log } = options;
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  app.decorateRequest('user', null);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('accessRule', null);

  const denied = new WeakSet<FastifyRequest>();
  const deny = (req: FastifyRequest, reply: FastifyReply, status: 401 | 403, error: string) => {
    denied.add(req);
    if (req.user)
      log.append({
        type: 'audit.denied',
        actor: req.user.username,
        data: { method: req.method, route: req.routeOptions.url ?? req.url, role: req.user.role },
      });
    return reply.code(status).send({ error });
  };

  app.addHook('onRequest', async (req, reply) => {
    const token = tokenOf(req);
    if (token) {
      req.sessionToken = token;
      req.user = users.sessionUser(token);
    }
    const route = req.routeOptions.url;
    if (route === undefined) return; // not found: the 404 handler answers
    const rule = accessRule(req.method, route, req.routeOptions.config);
    req.accessRule = rule;
    if (!rule || rule.open === 'public') return;
    if (!req.user) return deny(req, reply, 401, 'sign in first (session missing or expired)');
    if (!rule.roles.includes(req.user.role))
      return deny(req, reply, 403, `role "${req.user.role}" may not ${req.method} ${route}`);
  });

  app.addHook('preValidation', async (req, reply) => {
    if (!req.user) return;
    const claim = claimedActor(req);
    if (!claim) return;
    if (claim.value === undefined) {
      (claim.where === 'body' ? (req.body as Record<string, unknown>) : (req.query as Record<string, unknown>)).by =
        req.user.username;
    } else if (claim.value !== req.user.username) {
      return deny(
        req,
        reply,
        403,
        `${claim.where}/by: "${String(claim.value)}" is not the signed-in user "${req.user.username}"`,
      );
    }
  });

  app.addHook('preHandler', async (req) => {
    if (req.user && req.accessRule?.audit && isRead(req.method))
      log.append({
        type: 'audit.viewed',
        actor: req.user.username,
        data: { route: req.routeOptions.url, params: req.params, query: req.query },
      });
  });

  // onSend, not onResponse: the record shows the action before the caller sees the answer.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.user && req.accessRule && !isRead(req.method) && !denied.has(req))
      log.append({
        type: 'audit.action',
        actor: req.user.username,
        data: { method: req.method, route: req.routeOptions.url, params: req.params, status: reply.statusCode },
      });
    return payload;
  });
}
