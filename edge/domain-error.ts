/**
 * What a refusal is, as the domain sees it. hall-server maps each kind to one HTTP status, in one place
 * (hall-server/errors.ts); the domain never speaks HTTP.
 */
export type ErrorKind =
  | 'invalid' // the request is wrong: the message names the field
  | 'unauthenticated' // nobody is signed in, or the credentials are wrong
  | 'forbidden' // signed in, but this role or person may not
  | 'not-found' // no such thing
  | 'conflict' // the thing exists but its state refuses this now
  | 'rejected' // well formed, but a device refused it (a camera would not be adopted)
  | 'too-large' // over the venue's size limits
  | 'stopping'; // the edge is shutting down: try again once it is back

/**
 * The one error a domain module throws when it refuses a request: the kind, a message that names the field it is
 * about (`field: reason`), and details the caller may act on (e.g. `field`, `code`), answered beside the message.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
