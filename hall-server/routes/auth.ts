import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import { DomainError } from '../../edge/domain-error.ts';
import type { EventLog } from '../../edge/store/event-log.ts';
import type { ExpertNames } from '../auth/expert-names.ts';
import { SESSION_COOKIE } from '../auth/guard.ts';
import { LOGIN_LIMITS, LoginLimiter } from '../auth/login-limits.ts';
import { canSeeNames } from '../auth/redact.ts';
import { ALL_ROLES, ROLES } from '../auth/roles.ts';
import type { UserStore } from '../auth/user-store.ts';

const tags = ['auth'];
const Username = T.String({ minLength: 1, maxLength: 64 });
const Password = T.String({ minLength: 1, maxLength: 256 });
const RoleSchema = StringEnum([...ROLES, 'supervisor']);

export const authRoutes =
  (deps: { users: UserStore; names: ExpertNames; log: EventLog }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { users, names, log } = deps;
    const limiter = new LoginLimiter();

    app.post(
      '/api/auth/login',
      {
        config: { open: 'public' },
        schema: {
          tags,
          summary:
            'Sign in; sets the session cookie (also returned as a bearer token). Attempts per minute: ' +
            `${LOGIN_LIMITS.perAddressAndUser} per address and username, ${LOGIN_LIMITS.perUser} per username, ` +
            `${LOGIN_LIMITS.perAddress} per address`,
          body: T.Object({ username: Username, password: Password }),
        },
      },
      async (req, reply) => {
        const limited = limiter.attempt(req.ip, req.body.username, Date.now());
        if (limited) {
          reply.header('retry-after', Math.ceil(limited.retryAfterMs / 1000));
          return reply.code(429).send({ error: `too many sign-in attempts (per ${limited.limit}); try again later` });
        }
        try {
          const user = await users.authenticate(req.body.username, req.body.password);
          users.purgeExpired();
          const session = users.openSession(user);
          log.append({ type: 'audit.signed-in', actor: user.username, method: 'password', data: { ip: req.ip } });
          reply.setCookie(SESSION_COOKIE, session.token, {
            path: '/',
            httpOnly: true,
            sameSite: 'strict',
            secure: req.protocol === 'https',
            expires: new Date(session.expiresAt),
          });
          return { user, token: session.token, expiresAt: session.expiresAt, seesNames: canSeeNames(user) };
        } catch (err) {
          if (err instanceof DomainError)
            log.append({ type: 'audit.sign-in-failed', subject: req.body.username, data: { ip: req.ip } });
          throw err;
        }
      },
    );

    app.post(
      '/api/auth/logout',
      { config: { roles: ALL_ROLES }, schema: { tags, summary: 'Sign out: ends this session' } },
      async (req, reply) => {
        if (req.sessionToken) users.closeSession(req.sessionToken);
        log.append({ type: 'audit.signed-out', actor: req.user!.username });
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { ok: true };
      },
    );

    app.get(
      '/api/auth/me',
      { schema: { tags, summary: 'Who is signed in, and whether they see names' } },
      async (req) => ({
        user: req.user,
        seesNames: canSeeNames(req.user),
      }),
    );

    app.post(
      '/api/auth/password',
      {
        config: { roles: ALL_ROLES },
        schema: {
          tags,
          summary: 'Change your own password (ends your sessions)',
          body: T.Object({ current: Password, password: Password }),
        },
      },
      async (req) => {
        const me = req.user!;
        await users.authenticate(me.username, req.body.current);
        await users.setPassword(me.username, req.body.password, me.username);
        return { ok: true };
      },
    );

    app.get('/api/auth/users', { schema: { tags, summary: 'Console users (administrator)' } }, async () =>
      users.list(),
    );

    app.post(
      '/api/auth/users',
      {
        schema: {
          tags,
          summary: 'Create a console user (administrator)',
          body: T.Object({
            username: Username,
            password: Password,
            role: RoleSchema,
            displayName: T.Optional(T.String({ maxLength: 100 })),
          }),
        },
      },
      async (req) => {
        return await users.create(req.body, req.user!.username);
      },
    );

    app.post(
      '/api/auth/users/:username',
      {
        schema: {
          tags,
          summary: "Change a user's role, disable or re-enable them, or reset their password (administrator)",
          params: T.Object({ username: Username }),
          body: T.Object({
            role: T.Optional(RoleSchema),
            disabled: T.Optional(T.Boolean()),
            password: T.Optional(Password),
          }),
        },
      },
      async (req) => {
        const by = req.user!.username;
        const { role, disabled, password } = req.body;
        if (password !== undefined) await users.setPassword(req.params.username, password, by);
        if (role === undefined && disabled === undefined) return users.byUsername(req.params.username);
        return users.update(req.params.username, { role: role === 'supervisor' ? 'witness' : role, disabled }, by);
      },
    );

    app.put(
      '/api/people/:pseudonym/name',
      {
        config: { roles: ['administrator'] },
        schema: {
          tags,
          summary: "Record an expert's real name (kept in the venue only, shown only to roles allowed to see it)",
          params: T.Object({ pseudonym: T.String({ minLength: 1, maxLength: 64 }) }),
          body: T.Object({ name: T.String({ minLength: 1, maxLength: 100 }) }),
        },
      },
      async (req) => {
        names.set(req.params.pseudonym, req.body.name, `console:${req.user!.username}`);
        log.append({ type: 'audit.name-recorded', actor: req.user!.username, subject: req.params.pseudonym });
        return { pseudonym: req.params.pseudonym };
      },
    );
  };
