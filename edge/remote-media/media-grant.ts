// The grant the city hub signs when a host venue's witness opens a guest room's live video or calls its intercom
// (远程异地评标), shared by the hub (city/remote) and the guest edge. Pure: schema, manifest, signature, time.
import type { KeyObject } from 'node:crypto';
import { Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { describeSchemaError } from '../../config/json-schema.ts';
import { canonicalJson, PROTOCOL, sha256, signBytes, verifyBytes } from '../sync/wire.ts';

/** How long a grant opens a relay: the guest edge takes it within seconds, or not at all. */
export const GRANT_TTL_MS = 60_000;

const Id = T.String({ minLength: 1, maxLength: 64 });

const MediaGrantShape = T.Object(
  {
    protocol: T.Literal(PROTOCOL),
    /** The room's live substream, or a call to the room's intercom station. */
    kind: T.Union([T.Literal('remote-live'), T.Literal('remote-call')]),
    /** The hub's relay this grant opens, once: the guest edge connects to it and nothing else. */
    relay: T.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
    /** The venue whose witness watches (the session's host). */
    host: Id,
    /** The venue that supplies the stream (the guest room's). */
    guest: Id,
    session: Id,
    /** A camera of the session's room at the guest venue; null: the room's first camera (and for a call). */
    camera: T.Union([Id, T.Null()]),
    issuedAt: T.Integer({ minimum: 0 }),
    expiresAt: T.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type MediaGrant = (typeof MediaGrantShape)['static'];

const SignedGrantShape = T.Object(
  { grant: MediaGrantShape, signature: T.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export interface SignedMediaGrant {
  grant: MediaGrant;
  /** Ed25519 by the hub's platform key over grantManifest(grant), base64. */
  signature: string;
}

const validateSigned = new Ajv({ strict: false }).compile<SignedMediaGrant>(SignedGrantShape);

export function grantManifest(grant: MediaGrant): Buffer {
  return Buffer.from([PROTOCOL, 'remote-media', sha256(canonicalJson(grant))].join('\n'));
}

/** What the hub decides in a grant; the rest is fixed or time. */
export type MediaGrantFields = Pick<MediaGrant, 'kind' | 'relay' | 'host' | 'guest' | 'session' | 'camera'>;

/** The hub's side: a grant for one relay, valid from `now` for GRANT_TTL_MS. */
export function signMediaGrant(privateKey: KeyObject, fields: MediaGrantFields, now = Date.now()): SignedMediaGrant {
  const grant: MediaGrant = {
    protocol: PROTOCOL,
    ...fields,
    issuedAt: now,
    expiresAt: now + GRANT_TTL_MS,
  };
  return { grant, signature: signBytes(privateKey, grantManifest(grant)) };
}

export type GrantCheck = { ok: true; grant: MediaGrant } | { ok: false; error: string };

/**
 * The guest edge's first check: the message is a grant (each wrong field named by its path), signed by the hub's
 * platform key, for this venue, and current. What the grant asks of the venue's own sessions is checked after.
 */
export function checkMediaGrant(raw: unknown, platformKey: KeyObject | null, venue: string, now: number): GrantCheck {
  if (!validateSigned(raw))
    return { ok: false, error: `media grant ${describeSchemaError(validateSigned.errors![0]!)}` };
  const { grant, signature } = raw;
  if (!platformKey) return { ok: false, error: 'no platform public key is installed' };
  if (!verifyBytes(platformKey, grantManifest(grant), signature))
    return { ok: false, error: 'media grant /signature: not signed by the platform key' };
  if (grant.guest !== venue)
    return { ok: false, error: `media grant /grant/guest: for ${grant.guest}, this is ${venue}` };
  // A little leeway for the two clocks; both are watched (edge/clock) but never equal.
  if (now < grant.issuedAt - 30_000) return { ok: false, error: 'media grant /grant/issuedAt: in the future' };
  if (now > grant.expiresAt) return { ok: false, error: 'media grant /grant/expiresAt: expired' };
  return { ok: true, grant };
}
