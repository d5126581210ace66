import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Fields that may carry a secret, censored wherever they appear in a log line: request credentials (fastify logs
 * headers only on error, a plugin may log more), passwords, tokens, keys and secrets one level into any object.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...['password', 'token', 'secret', 'key', 'privateKey', 'credential'].flatMap((f) => [f, `*.${f}`]),
];

/** The edge's logger: pino with these options, secrets censored; to stdout unless given a destination. */
export function edgeLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const redacting = { ...options, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(redacting, destination) : pino(redacting);
}
