import type { FastifyInstance } from 'fastify';
import { DomainError, type ErrorKind } from '../edge/domain-error.ts';

/** The one place a domain refusal becomes an HTTP status. */
export const STATUS_OF: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  rejected: 422,
  stopping: 503,
};

/**
 * Answers a DomainError thrown by any route as `{ error: message, …details }` with its kind's status; every other
 * error goes on to fastify's own handler (validation: 400 naming the field; the rest: 500, logged).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, _req, reply) => {
    if (!(err instanceof DomainError)) throw err;
    return reply.code(STATUS_OF[err.kind]).send({ error: err.message, ...err.details });
  });
}
