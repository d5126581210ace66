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
    /** The enrolled check-in terminal the request came from (`Authorization: Terminal …`), or null. */
    terminal: string | null;
    /** The session token the request came with, if any. */
    sessionToken: string | null;
    accessRule: AccessRule | null;
  }
}

export interface GuardOptions {
  users: UserStore;
  log: EventLog;
  /** Check-in terminals: the terminal id a credential belongs to, or null. */
  terminals: { authenticate(credential: string): string | null };
}

const TERMINAL_SCHEME = 'Terminal ';

function tokenOf(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim() || null;
  return req.cookies[SESSION_COOKIE] ?? null;
}

/** Fields in which a route names who acts (recorded as the event's actor). */
const ACTOR_FIELDS = ['by', 'witness'] as const;

/** The actor fields a route declares in its body or querystring schema, with the values the request sent. */
function actorFields(
  req: FastifyRequest,
): { where: 'body' | 'querystring'; declared: object; fields: Record<string, unknown> } | null {
  const schema = req.routeOptions.schema as
    | { body?: { properties?: object }; querystring?: { properties?: object } }
    | undefined;
  for (const where of ['body', 'querystring'] as const) {
    const declared = schema?.[where]?.properties ?? {};
    const values = (where === 'body' ? req.body : req.query) as Record<string, unknown> | null | undefined;
    if (ACTOR_FIELDS.some((f) => f in declared) && values && typeof values === 'object' && !Array.isArray(values))
      return { where, declared, fields: values };
  }
  return null;
}

/**
 * Signs requests in and guards every /api route by role (see policy.ts). Register before the routes.
 * - A session token comes in the `halledge_session` cookie (the console) or `Authorization: Bearer` (tools).
 * - Who acts (`by`, or `witness` for a manual verification), recorded in the event log, must be the signed-in
 *   user; a body's `by` is filled in when left out, so the console never sends it and nobody acts under
 *   another's name.
 * - Privileged views and every change by a user are events: `audit.viewed`, `audit.action`, `audit.denied`.
 */
export async function installAuthGuard(app: FastifyInstance, options: GuardOptions): Promise<void> {
  const { users, log, terminals } = options;
  await app.register(fastifyCookie);
  // Per-route limits (config.rateLimit), e.g. check-in attempts per terminal; sign-in has its own (login-limits.ts).
  await app.register(fastifyRateLimit, { global: false });
  app.decorateRequest('user', null);
  app.decorateRequest('terminal', null);
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
    const auth = req.headers.authorization;
    if (auth?.startsWith(TERMINAL_SCHEME))
      req.terminal = terminals.authenticate(auth.slice(TERMINAL_SCHEME.length).trim());
    const route = req.routeOptions.url;
    if (route === undefined) return; // not found: the 404 handler answers
    const rule = accessRule(req.method, route, req.routeOptions.config);
    req.accessRule = rule;
    if (!rule || rule.open === 'public') return;
    if (rule.open === 'terminal' && req.terminal) return;
    if (!req.user)
      return deny(
        req,
        reply,
        401,
        rule.open === 'terminal'
          ? '终端未登记或凭证无效，请由管理员配对 · terminal not enrolled (pair it) or sign in'
          : 'sign in first (session missing or expired)',
      );
    if (!rule.roles.includes(req.user.role))
      return deny(req, reply, 403, `role "${req.user.role}" may not ${req.method} ${route}`);
  });

  app.addHook('preValidation', async (req, reply) => {
    // Public routes carry their own proof (a platform signature, a terminal's frames), not a user's name.
    if (!req.user || !req.accessRule || req.accessRule.open === 'public') return;
    const claim = actorFields(req);
    if (!claim) return;
    for (const field of ACTOR_FIELDS) {
      const value = claim.fields[field];
      if (value !== undefined && value !== req.user.username)
        return deny(
          req,
          reply,
          403,
          `${claim.where}/${field}: "${String(value)}" is not the signed-in user "${req.user.username}"`,
        );
    }
    // A body's `by` may be left out (the console never sends it); a query names it (a URL says who looked).
    if (claim.where === 'body' && 'by' in claim.declared && claim.fields.by === undefined)
      claim.fields.by = req.user.username;
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
